package io.ringwork.runtime.peer;

import io.ringwork.core.cluster.ReplicaMessage;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The codec of a pretend next version, for the tests: version 2, which adds a message kind
 * ({@value #TRACE}: a note of where a batch came from, one per request) and a field
 * ({@value #ORIGIN}: the sending node's zone, on every message and ack). It reads both, and
 * keeps what it read of them.
 */
public final class NewerPeerCodec extends PeerCodec {
    // Far above the numbers this version and the work in progress use (kinds 10-49, fields 1-29),
    // so the pretend version stays ahead of the real one.
    static final int TRACE = 120;
    static final int TRACE_TEXT = 1;
    static final int ORIGIN = 120;

    private final String zone;
    public final List<String> tracesRead = new CopyOnWriteArrayList<>();
    public final List<String> originsRead = new CopyOnWriteArrayList<>();

    public NewerPeerCodec(String zone) {
        this.zone = zone;
    }

    @Override
    public int version() {
        return 2;
    }

    @Override
    protected boolean knowsKind(int kind) {
        return kind == TRACE || super.knowsKind(kind);
    }

    @Override
    protected boolean knowsField(int tag) {
        return tag == ORIGIN || tag == TRACE_TEXT || super.knowsField(tag);
    }

    @Override
    protected void writeExtraFields(int kind, Tagged.Writer fields) {
        fields.string(ORIGIN, zone);
    }

    @Override
    protected void writeExtraMessages(Tagged.Writer body) {
        body.message(TRACE, new Tagged.Writer().string(TRACE_TEXT, "sent from " + zone));
    }

    @Override
    protected ReplicaMessage readExtraMessage(int kind, Tagged.Fields fields) throws IOException {
        tracesRead.add(fields.one(TRACE_TEXT).string());
        return null; // no typed message for it: answered SKIPPED, as an older node would
    }

    /** A hook the base codec lacks: origins are read wherever the field appears. */
    @Override
    public Batch decodeBatch(byte[] body) throws IOException {
        Batch batch = super.decodeBatch(body);
        collectOrigins(body);
        return batch;
    }

    @Override
    public Answers decodeAnswers(byte[] body) throws IOException {
        Answers answers = super.decodeAnswers(body);
        collectOrigins(body);
        return answers;
    }

    private void collectOrigins(byte[] body) throws IOException {
        Tagged.Reader reader = new Tagged.Reader(body);
        while (reader.hasMore()) {
            Tagged.Fields fields = new Tagged.Fields(reader.next().reader(), tag -> tag == ORIGIN);
            if (fields.has(ORIGIN)) originsRead.add(fields.one(ORIGIN).string());
        }
    }
}
