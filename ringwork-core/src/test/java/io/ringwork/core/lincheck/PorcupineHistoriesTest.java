package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.lincheck.CasRegisterModel.Cas;
import io.ringwork.core.lincheck.CasRegisterModel.Output;
import io.ringwork.core.lincheck.CasRegisterModel.Read;
import io.ringwork.core.lincheck.CasRegisterModel.Write;
import java.io.IOException;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class PorcupineHistoriesTest {
    @Test
    void jepsenLinesPairByProcessWithTabsOrSpaces() throws IOException {
        var ops = PorcupineHistories.jepsenEtcd(new StringReader("""
                INFO  jepsen.util - 0	:invoke	:read	nil
                INFO  jepsen.util - 1   :invoke :cas    [nil 3]
                INFO  jepsen.util - 0	:ok	:read	nil
                INFO  jepsen.util - 1	:fail	:cas	[nil 3]
                INFO  jepsen.util - 2	:invoke	:write	4
                INFO  jepsen.util - 2	:info	:write	:timed-out
                INFO  jepsen.util - 3	:invoke	:write	5
                INFO  jepsen.util - 3	:fail	:write	5
                INFO  jepsen.util - 4	:invoke	:read	nil
                """));

        assertThat(ops).containsExactly(
                Operation.completed(0, new Read(), Output.read(null), 0, 2),
                Operation.completed(1, new Cas(null, 3), Output.ok(false), 1, 3),
                Operation.indeterminate(2, new Write(4), 4),
                // the failed write did not happen and is dropped; the read never completed
                Operation.indeterminate(4, new Read(), 8));
    }

    @Test
    void kvLinesPairByProcess() throws IOException {
        var ops = PorcupineHistories.kv(new StringReader("""
                {:process 0, :type :invoke, :f :get, :key "5", :value nil}
                {:process 1, :type :invoke, :f :append, :key "5", :value "x 1 0 y"}
                {:process 0, :type :ok, :f :get, :key "5", :value ""}
                {:process 1, :type :ok, :f :append, :key "5", :value "x 1 0 y"}
                """));

        assertThat(ops).containsExactly(
                Operation.completed(0, new KvModel.Input(KvModel.Kind.GET, "5", null), "", 0, 2),
                Operation.completed(1, new KvModel.Input(KvModel.Kind.APPEND, "5", "x 1 0 y"), null, 1, 3));
    }

    @Test
    void badLinesAreErrorsNamingTheLine() {
        assertThatThrownBy(() -> PorcupineHistories.jepsenEtcd(new StringReader("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nhello\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("line 2: not a Jepsen log line: hello");
        assertThatThrownBy(() -> PorcupineHistories.jepsenEtcd(new StringReader("INFO  jepsen.util - 0\t:invoke\t:cas\t[1]\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1: a cas needs [expected new]");
        assertThatThrownBy(() -> PorcupineHistories.jepsenEtcd(new StringReader("INFO  jepsen.util - 0\t:ok\t:read\t1\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1: client 0 returned without an open call");
        assertThatThrownBy(() -> PorcupineHistories.jepsenEtcd(new StringReader(
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:invoke\t:write\tx\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2: not an integer or nil: x");
        assertThatThrownBy(() -> PorcupineHistories.kv(new StringReader("{:process 0, :type :invoke, :f :get, :key \"5\"}\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1: not a key-value EDN line");
        assertThatThrownBy(() -> PorcupineHistories.kv(new StringReader("{:process 0, :type :invoke, :f :put, :key \"5\", :value nil}\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1: PUT without a value");
    }
}
