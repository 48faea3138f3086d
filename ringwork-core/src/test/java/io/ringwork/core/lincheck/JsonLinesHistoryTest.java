package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.lincheck.VersionedKvModel.Cas;
import io.ringwork.core.lincheck.VersionedKvModel.Conflict;
import io.ringwork.core.lincheck.VersionedKvModel.Delete;
import io.ringwork.core.lincheck.VersionedKvModel.Deleted;
import io.ringwork.core.lincheck.VersionedKvModel.Found;
import io.ringwork.core.lincheck.VersionedKvModel.Input;
import io.ringwork.core.lincheck.VersionedKvModel.NotFound;
import io.ringwork.core.lincheck.VersionedKvModel.Output;
import io.ringwork.core.lincheck.VersionedKvModel.Read;
import io.ringwork.core.lincheck.VersionedKvModel.Write;
import io.ringwork.core.lincheck.VersionedKvModel.Written;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonLinesHistoryTest {
    private static List<Operation<Input, Output>> parse(String text) throws IOException {
        return JsonLinesHistory.parse(new StringReader(text));
    }

    @Test
    void everyKindOfLineReads() throws IOException {
        List<Operation<Input, Output>> ops = parse("""
                # a comment, then a blank line

                {"client":3,"op":"read","input":{"key":"k"},"output":{"version":4,"value":{"n":1,"a":[2,{"z":1,"y":0}]}},"call":1000,"return":2500}
                {"client":3,"op":"read","input":{"key":"k"},"output":"not-found","call":3000,"return":3100,"extra":"ignored"}
                {"client":1,"op":"write","input":{"key":"k","value":"v"},"output":{"version":5},"call":1200,"return":2000}
                {"client":2,"op":"cas","input":{"key":"k","ifVersion":5,"value":7},"output":{"conflict":true,"version":6},"call":1,"return":9}
                {"client":2,"op":"delete","input":{"key":"k","ifVersion":6},"output":"deleted","call":10,"return":20}
                {"client":2,"op":"delete","input":{"key":"k"},"output":"not-found","call":21,"return":22}
                {"client":4,"op":"cas","input":{"key":"k","ifVersion":0,"value":null},"output":"timeout","call":30}
                {"client":5,"op":"write","input":{"key":"k","value":1},"output":"indeterminate","call":31,"return":40}
                """);

        assertThat(ops).containsExactly(
                Operation.completed(3, new Read("k"), new Found("{\"a\":[2,{\"y\":0,\"z\":1}],\"n\":1}", 4), 1000, 2500),
                Operation.completed(3, new Read("k"), new NotFound(), 3000, 3100),
                Operation.completed(1, new Write("k", "\"v\""), new Written(5), 1200, 2000),
                Operation.completed(2, new Cas("k", 5, "7"), new Conflict(6), 1, 9),
                Operation.completed(2, new Delete("k", 6), new Deleted(), 10, 20),
                Operation.completed(2, new Delete("k", VersionedKvModel.ANY_VERSION), new NotFound(), 21, 22),
                Operation.indeterminate(4, new Cas("k", 0, "null"), 30),
                Operation.indeterminate(5, new Write("k", "1"), 31));
        for (Operation<Input, Output> op : ops) {
            assertThat(parse(JsonLinesHistory.line(op))).containsExactly(op);
        }
    }

    @Test
    void objectMembersInAnotherOrderAreTheSameValue() throws IOException {
        List<Operation<Input, Output>> ops = parse("""
                {"client":1,"op":"write","input":{"key":"k","value":{"b":1,"a":{"d":2,"c":3}}},"output":{"version":1},"call":0,"return":1}
                {"client":2,"op":"read","input":{"key":"k"},"output":{"version":1,"value":{"a":{"c":3,"d":2},"b":1}},"call":2,"return":3}
                """);
        assertThat(LinearizabilityChecker.check(VersionedKvModel.INSTANCE, ops).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aBadLineIsAClearErrorNamingTheLine() {
        String good = "{\"client\":1,\"op\":\"read\",\"input\":{\"key\":\"k\"},\"output\":\"not-found\",\"call\":0,\"return\":1}\n";
        assertError(good + "{\"client\":1,", "line 2: not JSON");
        assertError(good + "[1,2]", "line 2: not a JSON object");
        assertError("{\"op\":\"read\",\"input\":{\"key\":\"k\"},\"output\":\"not-found\",\"call\":0,\"return\":1}", "line 1: \"client\" must be an integer");
        assertError("{\"client\":4294967296,\"op\":\"read\",\"input\":{\"key\":\"k\"},\"output\":\"not-found\",\"call\":0,\"return\":1}", "\"client\" must fit in 32 bits");
        assertError("{\"client\":1,\"op\":\"get\",\"input\":{\"key\":\"k\"},\"output\":\"not-found\",\"call\":0,\"return\":1}", "\"op\" must be read, write, cas or delete");
        assertError("{\"client\":1,\"op\":\"read\",\"input\":{},\"output\":\"not-found\",\"call\":0,\"return\":1}", "\"key\" must be a string");
        assertError("{\"client\":1,\"op\":\"cas\",\"input\":{\"key\":\"k\",\"ifVersion\":\"3\",\"value\":1},\"output\":{\"version\":4},\"call\":0,\"return\":1}",
                "\"ifVersion\" must be an integer");
        assertError("{\"client\":1,\"op\":\"cas\",\"input\":{\"key\":\"k\",\"ifVersion\":-2,\"value\":1},\"output\":{\"version\":4},\"call\":0,\"return\":1}",
                "a version must be >= 0");
        assertError("{\"client\":1,\"op\":\"write\",\"input\":{\"key\":\"k\"},\"output\":{\"version\":4},\"call\":0,\"return\":1}", "\"value\" is missing");
        assertError("{\"client\":1,\"op\":\"write\",\"input\":{\"key\":\"k\",\"value\":1},\"output\":\"deleted\",\"call\":0,\"return\":1}", "a write cannot return");
        assertError("{\"client\":1,\"op\":\"read\",\"input\":{\"key\":\"k\"},\"output\":\"maybe\",\"call\":0,\"return\":1}", "unknown output");
        assertError("{\"client\":1,\"op\":\"read\",\"input\":{\"key\":\"k\"},\"output\":\"not-found\",\"call\":5,\"return\":1}", "\"return\" is before \"call\"");
        assertError("{\"client\":1,\"op\":\"read\",\"input\":{\"key\":\"k\"},\"output\":\"not-found\",\"call\":5}", "\"return\" must be an integer");
        assertError("{\"client\":1,\"op\":\"read\",\"input\":{\"key\":\"k\"},\"call\":5,\"return\":6}", "\"output\" is missing");
    }

    private static void assertError(String text, String message) {
        assertThatThrownBy(() -> parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
