package io.ringwork.runtime.peer;

import io.ringwork.core.cluster.CommitBody;
import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.ReplicaMessage.Commit;
import io.ringwork.core.cluster.ReplicaMessage.Digest;
import io.ringwork.core.cluster.ReplicaMessage.Hello;
import io.ringwork.core.cluster.ReplicaMessage.Released;
import io.ringwork.core.cluster.ReplicaMessage.Role;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotBegin;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotEnd;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotPage;
import io.ringwork.core.cluster.SnapshotBody;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.runtime.store.ChangeCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import io.ringwork.core.cluster.FeedRelay;

/**
 * Replication batches and their answers as {@link Tagged} messages, decoded into typed messages at
 * the edge. A request body is a run of replication messages, one kind each; the answer body holds
 * one answer per request message, in order: an {@code ACK}, or {@code SKIPPED} for a message of a
 * kind this node does not know. Unknown kinds and fields are skipped and counted, never an error,
 * so a node of the next version can add both (rolling upgrades); a newer node must keep answering
 * the kinds of {@link #VERSION} with {@code ACK}.
 *
 * <p>A request body whose first message is a {@code READ} is a relayed read instead
 * ({@link RelayedRead}): one {@code READ} (key, hops), answered by one {@code READ_ANSWER}
 * (outcome, the owner's stored state when found, the owner it knows of, a detail). An older
 * node answers it {@code SKIPPED}, which reads as "unavailable".
 *
 * <p>A commit's body and a snapshot page belong to the partition's state machine
 * ({@link io.ringwork.core.cluster.PartitionMachine}). The engine's ({@link ProcessingMachine})
 * travel as {@code COMMIT} and {@code SNAPSHOT_PAGE} with their fields as ever. Another machine's
 * travel as {@code MACHINE_COMMIT} and {@code MACHINE_PAGE}: the machine kind and its body as bytes,
 * written by that kind's {@link BodyCodec} ({@link #withMachines}). They are kinds of their own,
 * not fields of {@code COMMIT}, because a member that skipped unknown fields would take such a
 * commit for an empty one of the engine and move its checkpoint; an unknown kind is answered
 * {@code SKIPPED} instead, and so is a machine kind this node has no codec for.
 *
 * <p>Fields common to every replication kind: partition, term epoch, term node. A term whose epoch is negative
 * or above {@link Term#MAX_EPOCH} makes the whole body a {@link TermOutOfRange}: no member makes
 * one, and a node that took it could not start the partition again. Keys are UTF-8 strings of
 * any length. Thread-safe (stateless); subclasses exist only in tests, to play a newer version.
 */
public class PeerCodec {
    /** The codec version this node speaks; sent in the handshake. */
    public static final int VERSION = 1;
    public static final PeerCodec CURRENT = new PeerCodec();

    // Message kinds. 1-9 belong to the handshake (PeerHandshake).
    static final int HELLO = 10;
    static final int COMMIT = 11;
    static final int SNAPSHOT_BEGIN = 12;
    static final int SNAPSHOT_PAGE = 13;
    static final int SNAPSHOT_END = 14;
    static final int DIGEST = 15;
    static final int RELEASED = 16;
    /**
     * Added after version 1's first release, without a version bump: a member that does not know it
     * answers it SKIPPED and keeps feeding changes as it applies them (the old way).
     */
    static final int DURABLE = 17;
    static final int ACK = 30;
    static final int SKIPPED = 31;
    // Relayed reads: a request of one READ message, answered by one READ_ANSWER.
    static final int READ = 40;
    static final int READ_ANSWER = 41;
    // Key-value listings: a request of one LIST message, answered by one LIST_ANSWER.
    static final int LIST = 42;
    static final int LIST_ANSWER = 43;
    // The feed relay (FeedRelay): a frame of fetches is answered by a frame of pages, one each.
    static final int FEED_FETCH = 50;
    static final int FEED_PAGE = 51;
    // Commits and snapshot pages of machines other than the engine's (fields MACHINE and BODY).
    static final int MACHINE_COMMIT = 60;
    static final int MACHINE_PAGE = 61;

    // Field tags, one table for every kind.
    static final int PARTITION = 1;
    static final int EPOCH = 2;
    static final int TERM_NODE = 3;
    static final int ROLE = 4;
    static final int NEXT_SEQ = 5;
    static final int REQUIRED = 6;
    static final int CHECKPOINT = 7;
    static final int SEQ = 8;
    static final int STATE = 9;
    static final int CHANGE = 10;
    static final int DEAD_LETTER = 11;
    static final int DIGEST_VALUE = 12;
    static final int STATUS = 13;
    // Fields of READ and READ_ANSWER.
    static final int READ_KEY = 20;
    static final int READ_HOPS = 21;
    static final int READ_OUTCOME = 22;
    static final int READ_STATE = 23;
    static final int READ_OWNER = 24;
    static final int READ_DETAIL = 25;
    /** The answering node's checkpoint of the key's partition, on READ_ANSWER (absent: unknown, an older node). */
    static final int READ_CHECKPOINT = 42;
    /** On READ: answer from this node's replica, owner or not (absent: only as the owner). */
    static final int READ_REPLICA = 43;
    /** The answering node's feed checkpoint of the partition, on READ_ANSWER (absent: unknown). */
    static final int READ_DURABLE = 44;
    // Fields of LIST and LIST_ANSWER (with PARTITION, repeated, and LIMIT).
    static final int LIST_PREFIX = 45;
    static final int LIST_AFTER = 46;
    /** One listed key: partition (4 bytes), version (8), UTF-8 key. */
    static final int LIST_ENTRY = 47;
    static final int LIST_SERVED = 48;
    static final int LIST_MORE = 49;
    /** The durable frontier, on COMMIT and DURABLE (absent: nothing said, {@link ReplicaMessage#NOTHING_DURABLE}). */
    static final int DURABLE_SEQ = 14;
    // The feed relay's fields (with PARTITION, CHECKPOINT and CHANGE).
    static final int FROM_POSITION = 30;
    static final int AFTER_VERSION = 31;
    static final int LIMIT = 32;
    static final int SOURCE = 33;
    static final int NEXT_POSITION = 34;
    static final int CLAIM = 35;
    static final int CLAIM_END = 36;
    /** On FEED_PAGE: the source runs the partition (absent: it does not say; an older member). */
    static final int RUNS = 37;
    // The machine kind and its body, on MACHINE_COMMIT and MACHINE_PAGE.
    static final int MACHINE = 40;
    static final int BODY = 41;
    // Inside a STATE field.
    static final int STATE_KEY = 1;
    static final int STATE_BYTES = 2;

    private static final Set<Integer> KINDS = Set.of(HELLO, COMMIT, SNAPSHOT_BEGIN, SNAPSHOT_PAGE, SNAPSHOT_END, DIGEST, RELEASED, DURABLE,
            MACHINE_COMMIT, MACHINE_PAGE);

    /**
     * The bytes of one machine kind's commit bodies and snapshot pages. A decoder refuses a body it
     * cannot read with an {@link IOException} (the whole request is then malformed).
     */
    public interface BodyCodec {
        byte[] encodeCommit(CommitBody body);

        CommitBody decodeCommit(int partition, byte[] bytes) throws IOException;

        byte[] encodeSnapshot(SnapshotBody page);

        SnapshotBody decodeSnapshot(int partition, byte[] bytes) throws IOException;
    }

    /** A body carried a term whose epoch is out of range: it is refused whole. */
    public static final class TermOutOfRange extends IOException {
        TermOutOfRange(long epoch) {
            super("term epoch " + epoch + " is out of range (0 to " + Term.MAX_EPOCH + ")");
        }
    }

    /**
     * A decoded request: its messages in order, null where the kind was unknown (that one is
     * answered {@code SKIPPED}), and what was skipped.
     */
    public record Batch(List<ReplicaMessage> messages, int unknownKinds, int unknownFields) {}

    /** Decoded answers, one per request message: null where the member skipped it. */
    public record Answers(List<ReplicaAck> acks, int unknownKinds, int unknownFields) {}

    protected PeerCodec() {}

    /**
     * This version's codec that also carries the bodies of the given machine kinds (none may be
     * {@link ProcessingMachine#KIND}, which is built in).
     */
    public static PeerCodec withMachines(java.util.Map<Integer, BodyCodec> machines) {
        java.util.Map<Integer, BodyCodec> copy = java.util.Map.copyOf(machines);
        if (copy.containsKey(ProcessingMachine.KIND)) throw new IllegalArgumentException("the engine's machine kind is built in");
        return new PeerCodec() {
            @Override
            protected BodyCodec machineCodec(int kind) {
                return copy.get(kind);
            }
        };
    }

    /** The codec of machine kind {@code kind}'s bodies, or null when this node has none. */
    protected BodyCodec machineCodec(int kind) {
        return null;
    }

    /** The version this codec speaks, sent in the handshake. */
    public int version() {
        return VERSION;
    }

    // ---------------------------------------------------------------- requests

    public byte[] encodeBatch(List<ReplicaMessage> messages) {
        Tagged.Writer body = new Tagged.Writer(1024);
        // One fields writer for every message in turn: a fresh one per message grew from 64 bytes
        // by doubling for each commit (a good part of a replicating node's allocation).
        Tagged.Writer fields = new Tagged.Writer(1024);
        for (ReplicaMessage message : messages) {
            fields.reset();
            fields.longValue(PARTITION, message.partition());
            term(fields, message.term());
            int kind = write(fields, message);
            writeExtraFields(kind, fields);
            body.message(kind, fields);
        }
        writeExtraMessages(body);
        return body.toByteArray();
    }

    private int write(Tagged.Writer f, ReplicaMessage message) {
        return switch (message) {
            case Hello h -> {
                f.byteValue(ROLE, h.role().ordinal()).longValue(NEXT_SEQ, h.nextSeq())
                        .longValue(REQUIRED, h.required()).longValue(CHECKPOINT, h.checkpoint());
                yield HELLO;
            }
            case Commit c -> {
                f.longValue(SEQ, c.seq()).longValue(CHECKPOINT, c.checkpoint()).longValue(DURABLE_SEQ, c.durableSeq());
                if (c.body() instanceof ProcessingMachine.Writes writes) {
                    states(f, writes.states());
                    for (Change change : writes.changes()) f.bytes(CHANGE, ChangeCodec.encode(change));
                    for (DeadLetter letter : writes.deadLetters()) f.bytes(DEAD_LETTER, ChangeCodec.encode(letter));
                    yield COMMIT;
                }
                f.longValue(MACHINE, c.body().machine()).bytes(BODY, codecFor(c.body().machine()).encodeCommit(c.body()));
                yield MACHINE_COMMIT;
            }
            case SnapshotBegin b -> {
                f.longValue(NEXT_SEQ, b.nextSeq()).longValue(CHECKPOINT, b.checkpoint()).longValue(REQUIRED, b.required());
                yield SNAPSHOT_BEGIN;
            }
            case SnapshotPage page -> {
                if (page.body() instanceof ProcessingMachine.Page states) {
                    states(f, states.states());
                    yield SNAPSHOT_PAGE;
                }
                f.longValue(MACHINE, page.body().machine()).bytes(BODY, codecFor(page.body().machine()).encodeSnapshot(page.body()));
                yield MACHINE_PAGE;
            }
            case SnapshotEnd end -> SNAPSHOT_END;
            case Digest d -> {
                f.longValue(SEQ, d.seq()).longValue(DIGEST_VALUE, d.digest());
                yield DIGEST;
            }
            case Released r -> {
                f.longValue(CHECKPOINT, r.checkpoint());
                yield RELEASED;
            }
            case ReplicaMessage.Durable d -> {
                f.longValue(DURABLE_SEQ, d.durableSeq());
                yield DURABLE;
            }
        };
    }

    /** A node sends only bodies of machines it runs, so a missing codec is a bug here, not bad input. */
    private BodyCodec codecFor(int machine) {
        BodyCodec codec = machineCodec(machine);
        if (codec == null) throw new IllegalStateException("no peer codec for machine kind " + machine);
        return codec;
    }

    private static void term(Tagged.Writer fields, Term term) {
        fields.longValue(EPOCH, term.epoch()).string(TERM_NODE, term.node());
    }

    private static void states(Tagged.Writer fields, List<StateWrite> states) {
        for (StateWrite write : states) {
            byte[] key = write.key().getBytes(StandardCharsets.UTF_8);
            byte[] state = write.state().toBytes();
            // Sized for both fields and their headers (at most 2 x (tag + 5-byte length)): no growth.
            fields.nested(STATE, new Tagged.Writer(key.length + state.length + 24).bytes(STATE_KEY, key).bytes(STATE_BYTES, state));
        }
    }

    public Batch decodeBatch(byte[] body) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            List<ReplicaMessage> messages = new ArrayList<>();
            int unknownKinds = 0;
            int unknownFields = 0;
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                if (!knowsKind(message.number())) {
                    unknownKinds++;
                    messages.add(null);
                    continue;
                }
                Tagged.Fields fields = new Tagged.Fields(message.reader(), this::knowsField);
                unknownFields += fields.unknown();
                ReplicaMessage read = KINDS.contains(message.number()) ? read(message.number(), fields) : readExtraMessage(message.number(), fields);
                if (read == null && KINDS.contains(message.number())) unknownKinds++; // a machine kind without a codec here
                messages.add(read);
            }
            return new Batch(Collections.unmodifiableList(messages), unknownKinds, unknownFields);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IOException("bad replication batch: " + e.getMessage(), e);
        }
    }

    private ReplicaMessage read(int kind, Tagged.Fields f) throws IOException {
        int partition = partition(f);
        Term term = readTerm(f);
        return switch (kind) {
            case HELLO -> {
                int role = f.one(ROLE).byteValue();
                if (role >= Role.values().length) throw new IOException("unknown role " + role);
                yield new Hello(partition, term, Role.values()[role], f.longValue(NEXT_SEQ), f.longValue(REQUIRED), f.longValue(CHECKPOINT));
            }
            case COMMIT -> {
                List<Change> changes = new ArrayList<>();
                for (Tagged.Slice change : f.all(CHANGE)) changes.add(ChangeCodec.decodeChange(change.bytes()));
                List<DeadLetter> letters = new ArrayList<>();
                for (Tagged.Slice letter : f.all(DEAD_LETTER)) letters.add(ChangeCodec.decodeDeadLetter(letter.bytes()));
                yield new Commit(partition, term, f.longValue(SEQ), f.longValue(CHECKPOINT),
                        new ProcessingMachine.Writes(readStates(f, partition), changes, letters), durableSeq(f));
            }
            case MACHINE_COMMIT -> {
                BodyCodec codec = machineCodec(machineKind(f));
                yield codec == null ? null : new Commit(partition, term, f.longValue(SEQ), f.longValue(CHECKPOINT),
                        codec.decodeCommit(partition, f.one(BODY).bytes()), durableSeq(f));
            }
            case MACHINE_PAGE -> {
                BodyCodec codec = machineCodec(machineKind(f));
                yield codec == null ? null : new SnapshotPage(partition, term, codec.decodeSnapshot(partition, f.one(BODY).bytes()));
            }
            case SNAPSHOT_BEGIN -> new SnapshotBegin(partition, term, f.longValue(NEXT_SEQ), f.longValue(CHECKPOINT), f.longValue(REQUIRED));
            case SNAPSHOT_PAGE -> new SnapshotPage(partition, term, new ProcessingMachine.Page(readStates(f, partition)));
            case SNAPSHOT_END -> new SnapshotEnd(partition, term);
            case DIGEST -> new Digest(partition, term, f.longValue(SEQ), f.longValue(DIGEST_VALUE));
            case RELEASED -> new Released(partition, term, f.longValue(CHECKPOINT));
            case DURABLE -> new ReplicaMessage.Durable(partition, term, durableSeq(f));
            default -> throw new IllegalStateException("kind " + kind + " is known but not read");
        };
    }

    /** The durable frontier; absent (a sender before the field) means nothing said. Below that is damage. */
    private static long durableSeq(Tagged.Fields f) throws IOException {
        if (!f.has(DURABLE_SEQ)) return ReplicaMessage.NOTHING_DURABLE;
        long seq = f.longValue(DURABLE_SEQ);
        if (seq < ReplicaMessage.NOTHING_DURABLE) throw new IOException("durable seq " + seq + " is out of range");
        return seq;
    }

    private static int machineKind(Tagged.Fields f) throws IOException {
        long kind = f.longValue(MACHINE);
        if (kind <= ProcessingMachine.KIND || kind > Integer.MAX_VALUE) throw new IOException("machine kind " + kind + " is out of range");
        return (int) kind;
    }

    private static int partition(Tagged.Fields f) throws IOException {
        long partition = f.longValue(PARTITION);
        if (partition < 0 || partition > 0xFFFF) throw new IOException("partition " + partition + " is out of range");
        return (int) partition;
    }

    private static Term readTerm(Tagged.Fields f) throws IOException {
        long epoch = f.longValue(EPOCH);
        if (epoch < 0 || epoch > Term.MAX_EPOCH) throw new TermOutOfRange(epoch);
        return new Term(epoch, f.one(TERM_NODE).string());
    }

    private static List<StateWrite> readStates(Tagged.Fields f, int partition) throws IOException {
        List<StateWrite> states = new ArrayList<>();
        for (Tagged.Slice slice : f.all(STATE)) {
            Tagged.Fields state = new Tagged.Fields(slice.reader(), tag -> tag == STATE_KEY || tag == STATE_BYTES);
            states.add(new StateWrite(partition, state.one(STATE_KEY).string(), StoredState.fromBytes(state.one(STATE_BYTES).bytes())));
        }
        return states;
    }

    // ---------------------------------------------------------------- answers

    /** One answer per request message, in order; null answers {@code SKIPPED}. */
    public byte[] encodeAnswers(List<ReplicaAck> acks) {
        Tagged.Writer body = new Tagged.Writer(16 + acks.size() * 48);
        Tagged.Writer fields = new Tagged.Writer();
        for (ReplicaAck ack : acks) {
            fields.reset();
            if (ack == null) {
                body.message(SKIPPED, fields);
                continue;
            }
            fields.longValue(PARTITION, ack.partition());
            term(fields, ack.term());
            fields.longValue(SEQ, ack.seq()).byteValue(STATUS, ack.status().ordinal());
            writeExtraFields(ACK, fields);
            body.message(ACK, fields);
        }
        return body.toByteArray();
    }

    public Answers decodeAnswers(byte[] body) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            List<ReplicaAck> acks = new ArrayList<>();
            int unknownKinds = 0;
            int unknownFields = 0;
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                if (message.number() != ACK) {
                    // SKIPPED, or an answer kind of a later version: either way no ack for that message.
                    if (message.number() != SKIPPED) unknownKinds++;
                    acks.add(null);
                    continue;
                }
                Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                unknownFields += f.unknown();
                int status = f.one(STATUS).byteValue();
                if (status >= ReplicaAck.Status.values().length) throw new IOException("unknown ack status " + status);
                acks.add(new ReplicaAck(partition(f), readTerm(f), f.longValue(SEQ), ReplicaAck.Status.values()[status]));
            }
            return new Answers(Collections.unmodifiableList(acks), unknownKinds, unknownFields);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad answers: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- relayed reads

    /** A decoded read request or answer, with what was skipped of it. */
    public record Decoded<T>(T value, int unknownKinds, int unknownFields) {}

    /** Whether a request body is a relayed read rather than a replication batch: its first message says. */
    public boolean isRead(byte[] body) {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            return reader.hasMore() && reader.next().number() == READ;
        } catch (IOException e) {
            return false; // damaged: the batch decoder refuses it with its reason
        }
    }

    public byte[] encodeRead(RelayedRead.Request request) {
        Tagged.Writer fields = new Tagged.Writer().string(READ_KEY, request.key()).byteValue(READ_HOPS, request.hops());
        if (request.replica()) fields.byteValue(READ_REPLICA, 1);
        writeExtraFields(READ, fields);
        Tagged.Writer body = new Tagged.Writer(64 + request.key().length()).message(READ, fields);
        writeExtraMessages(body);
        return body.toByteArray();
    }

    /**
     * Reads a request of one {@code READ} message; messages of kinds this version does not know
     * are skipped and counted. Anything else in the body is damage.
     */
    public Decoded<RelayedRead.Request> decodeRead(byte[] body) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            RelayedRead.Request request = null;
            int unknownKinds = 0;
            int unknownFields = 0;
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                if (message.number() != READ) {
                    if (KINDS.contains(message.number())) {
                        throw new IOException("a read request carries a replication message of kind " + message.number());
                    }
                    if (!knowsKind(message.number())) {
                        unknownKinds++;
                    } else {
                        // A later version's addition it reads; a read takes no typed message from it.
                        Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                        unknownFields += f.unknown();
                        readExtraMessage(message.number(), f);
                    }
                    continue;
                }
                if (request != null) throw new IOException("a read request carries two reads");
                Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                unknownFields += f.unknown();
                request = new RelayedRead.Request(f.one(READ_KEY).string(), f.one(READ_HOPS).byteValue(),
                        f.has(READ_REPLICA) && f.one(READ_REPLICA).byteValue() == 1);
            }
            if (request == null) throw new IOException("a read request without a read");
            return new Decoded<>(request, unknownKinds, unknownFields);
        } catch (RuntimeException e) {
            throw new IOException("bad read request: " + e, e);
        }
    }

    public byte[] encodeReadAnswer(RelayedRead.Answer answer) {
        byte[] state = answer.state() == null ? null : answer.state().toBytes();
        Tagged.Writer fields = new Tagged.Writer(64 + (state == null ? 0 : state.length))
                .byteValue(READ_OUTCOME, answer.outcome().ordinal());
        if (state != null) fields.bytes(READ_STATE, state);
        if (!answer.owner().isEmpty()) fields.string(READ_OWNER, answer.owner());
        if (!answer.detail().isEmpty()) fields.string(READ_DETAIL, answer.detail());
        if (answer.checkpoint() != RelayedRead.UNKNOWN) fields.longValue(READ_CHECKPOINT, answer.checkpoint());
        if (answer.durable() != RelayedRead.UNKNOWN) fields.longValue(READ_DURABLE, answer.durable());
        writeExtraFields(READ_ANSWER, fields);
        return new Tagged.Writer(16 + fields.size()).message(READ_ANSWER, fields).toByteArray();
    }

    /**
     * Reads the answer to a relayed read. A {@code SKIPPED} answer (an older owner, which does not
     * serve reads) and an outcome of a later version both read as UNAVAILABLE, saying why.
     */
    public Decoded<RelayedRead.Answer> decodeReadAnswer(byte[] body) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            RelayedRead.Answer answer = null;
            int unknownKinds = 0;
            int unknownFields = 0;
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                if (message.number() == SKIPPED && answer == null) {
                    answer = RelayedRead.Answer.unavailable("the owner runs a version that does not serve relayed reads");
                    continue;
                }
                if (message.number() != READ_ANSWER) {
                    unknownKinds++;
                    continue;
                }
                if (answer != null) throw new IOException("a read answered twice");
                Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                unknownFields += f.unknown();
                answer = readAnswer(f);
            }
            if (answer == null) throw new IOException("no answer to the read");
            return new Decoded<>(answer, unknownKinds, unknownFields);
        } catch (RuntimeException e) {
            // A damaged state (fromBytes runs out of bytes, or finds an unknown format) included.
            throw new IOException("bad read answer: " + e, e);
        }
    }

    private static RelayedRead.Answer readAnswer(Tagged.Fields f) throws IOException {
        int outcome = f.one(READ_OUTCOME).byteValue();
        String owner = f.has(READ_OWNER) ? f.one(READ_OWNER).string() : "";
        String detail = f.has(READ_DETAIL) ? f.one(READ_DETAIL).string() : "";
        if (outcome >= RelayedRead.Outcome.values().length) {
            return RelayedRead.Answer.unavailable("the owner answered outcome " + outcome + ", which this version does not know: " + detail);
        }
        RelayedRead.Outcome known = RelayedRead.Outcome.values()[outcome];
        StoredState state = null;
        if (known == RelayedRead.Outcome.FOUND) state = StoredState.fromBytes(f.one(READ_STATE).bytes());
        else if (f.has(READ_STATE)) throw new IOException("a state in a read answer of outcome " + known);
        long checkpoint = f.has(READ_CHECKPOINT) ? f.longValue(READ_CHECKPOINT) : RelayedRead.UNKNOWN;
        long durable = f.has(READ_DURABLE) ? f.longValue(READ_DURABLE) : RelayedRead.UNKNOWN;
        if (checkpoint < -1 && checkpoint != RelayedRead.UNKNOWN || durable < -1 && durable != RelayedRead.UNKNOWN) {
            throw new IOException("a read answer's checkpoint " + checkpoint + " or durable " + durable);
        }
        return new RelayedRead.Answer(known, state, owner, detail, checkpoint, durable);
    }

    // ---------------------------------------------------------------- key-value listings

    /** Whether a request body is a key-value listing: its first message says. */
    public boolean isList(byte[] body) {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            return reader.hasMore() && reader.next().number() == LIST;
        } catch (IOException e) {
            return false;
        }
    }

    public byte[] encodeList(RelayedList.Request request) {
        Tagged.Writer fields = new Tagged.Writer().string(LIST_PREFIX, request.prefix()).longValue(LIMIT, request.limit());
        for (int partition : request.partitions()) fields.longValue(PARTITION, partition);
        if (request.after() != null) fields.string(LIST_AFTER, request.after());
        return new Tagged.Writer(64 + fields.size()).message(LIST, fields).toByteArray();
    }

    /** Reads a listing request; other messages in it are skipped and counted. */
    public Decoded<RelayedList.Request> decodeList(byte[] body) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            RelayedList.Request request = null;
            int unknownKinds = 0;
            int unknownFields = 0;
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                if (message.number() != LIST) {
                    unknownKinds++;
                    continue;
                }
                if (request != null) throw new IOException("a listing request carries two listings");
                Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                unknownFields += f.unknown();
                List<Integer> partitions = new ArrayList<>();
                for (Tagged.Slice partition : f.all(PARTITION)) partitions.add(Math.toIntExact(partition.longValue()));
                long limit = f.longValue(LIMIT);
                request = new RelayedList.Request(partitions, f.one(LIST_PREFIX).string(),
                        f.has(LIST_AFTER) ? f.one(LIST_AFTER).string() : null, (int) Math.min(Integer.MAX_VALUE, Math.max(0, limit)));
            }
            if (request == null) throw new IOException("a listing request without a listing");
            return new Decoded<>(request, unknownKinds, unknownFields);
        } catch (RuntimeException e) {
            throw new IOException("bad listing request: " + e, e);
        }
    }

    public byte[] encodeListAnswer(RelayedList.Answer answer) {
        Tagged.Writer fields = new Tagged.Writer();
        for (int partition : answer.served()) fields.longValue(LIST_SERVED, partition);
        for (int partition : answer.more()) fields.longValue(LIST_MORE, partition);
        for (RelayedList.Entry entry : answer.entries()) {
            byte[] key = entry.key().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            fields.bytes(LIST_ENTRY, java.nio.ByteBuffer.allocate(12 + key.length).putInt(entry.partition())
                    .putLong(entry.version()).put(key).array());
        }
        if (!answer.detail().isEmpty()) fields.string(READ_DETAIL, answer.detail());
        return new Tagged.Writer(16 + fields.size()).message(LIST_ANSWER, fields).toByteArray();
    }

    /**
     * Reads the answer to a listing. A {@code SKIPPED} answer or anything but a LIST_ANSWER (an
     * older member, which does not list) reads as an answer that served nothing, saying why.
     */
    public Decoded<RelayedList.Answer> decodeListAnswer(byte[] body) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            RelayedList.Answer answer = null;
            int unknownKinds = 0;
            int unknownFields = 0;
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                if (message.number() != LIST_ANSWER) {
                    unknownKinds++;
                    continue;
                }
                if (answer != null) throw new IOException("a listing answered twice");
                Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                unknownFields += f.unknown();
                List<Integer> served = new ArrayList<>();
                for (Tagged.Slice partition : f.all(LIST_SERVED)) served.add(Math.toIntExact(partition.longValue()));
                List<Integer> more = new ArrayList<>();
                for (Tagged.Slice partition : f.all(LIST_MORE)) more.add(Math.toIntExact(partition.longValue()));
                List<RelayedList.Entry> entries = new ArrayList<>();
                for (Tagged.Slice entry : f.all(LIST_ENTRY)) {
                    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(entry.bytes());
                    int partition = bytes.getInt();
                    long version = bytes.getLong();
                    byte[] key = new byte[bytes.remaining()];
                    bytes.get(key);
                    entries.add(new RelayedList.Entry(partition, new String(key, java.nio.charset.StandardCharsets.UTF_8), version));
                }
                answer = new RelayedList.Answer(served, entries, more, f.has(READ_DETAIL) ? f.one(READ_DETAIL).string() : "");
            }
            if (answer == null) answer = RelayedList.Answer.none("the member runs a version that does not list keys");
            return new Decoded<>(answer, unknownKinds, unknownFields);
        } catch (RuntimeException e) {
            throw new IOException("bad listing answer: " + e, e);
        }
    }

    // ---------------------------------------------------------------- the feed relay

    /** True when {@code body} is a frame of feed fetches (its first message is one). */
    public static boolean isFeedFetch(byte[] body) {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            return reader.hasMore() && reader.next().number() == FEED_FETCH;
        } catch (IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    public byte[] encodeFetches(List<FeedRelay.Fetch> fetches) {
        Tagged.Writer body = new Tagged.Writer(16 + fetches.size() * 32);
        for (FeedRelay.Fetch fetch : fetches) {
            Tagged.Writer f = new Tagged.Writer().longValue(PARTITION, fetch.partition()).longValue(FROM_POSITION, fetch.fromPosition())
                    .longValue(AFTER_VERSION, fetch.afterVersion()).longValue(LIMIT, fetch.limit());
            body.message(FEED_FETCH, f);
        }
        return body.toByteArray();
    }

    /** Fetches in order; null where a message was not a fetch (answered as a refusal). */
    public List<FeedRelay.Fetch> decodeFetches(byte[] body) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            List<FeedRelay.Fetch> fetches = new ArrayList<>();
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                if (message.number() != FEED_FETCH) {
                    fetches.add(null);
                    continue;
                }
                Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                long limit = f.longValue(LIMIT);
                if (limit < 1 || limit > FEED_LIMIT_MAX) throw new IOException("fetch limit " + limit + " is out of range");
                long from = f.longValue(FROM_POSITION);
                if (from < 0) throw new IOException("fetch position " + from + " is negative");
                fetches.add(new FeedRelay.Fetch(partition(f), from, f.longValue(AFTER_VERSION), (int) limit));
            }
            return fetches;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IOException("bad feed fetches: " + e.getMessage(), e);
        }
    }

    /** The most changes a fetch may ask for: a page stays far below the frame limit. */
    public static final int FEED_LIMIT_MAX = 4_096;

    public byte[] encodePages(List<FeedRelay.Page> pages) {
        Tagged.Writer body = new Tagged.Writer(1024);
        for (FeedRelay.Page page : pages) {
            Tagged.Writer f = new Tagged.Writer().longValue(PARTITION, page.partition()).byteValue(SOURCE, page.source() ? 1 : 0)
                    .longValue(NEXT_POSITION, page.nextPosition()).longValue(CHECKPOINT, page.checkpoint())
                    .longValue(CLAIM, page.claim()).longValue(CLAIM_END, page.claimEnd());
            if (page.runs()) f.byteValue(RUNS, 1);
            for (Change change : page.changes()) f.bytes(CHANGE, ChangeCodec.encode(change));
            body.message(FEED_PAGE, f);
        }
        return body.toByteArray();
    }

    /**
     * Pages in order. An answer of another kind ({@code SKIPPED}: a member of an older version) is a
     * refusal for its fetch, so the relay asks another member.
     */
    public List<FeedRelay.Page> decodePages(byte[] body, List<FeedRelay.Fetch> asked) throws IOException {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            List<FeedRelay.Page> pages = new ArrayList<>();
            while (reader.hasMore()) {
                Tagged.Slice message = reader.next();
                int index = pages.size();
                if (index >= asked.size()) throw new IOException("more pages than fetches");
                if (message.number() != FEED_PAGE) {
                    FeedRelay.Fetch fetch = asked.get(index);
                    pages.add(new FeedRelay.Page(fetch.partition(), false, List.of(), fetch.fromPosition(), -1, -1, -1));
                    continue;
                }
                Tagged.Fields f = new Tagged.Fields(message.reader(), this::knowsField);
                int partition = partition(f);
                if (partition != asked.get(index).partition()) throw new IOException("a page of partition " + partition + " for a fetch of " + asked.get(index).partition());
                List<Change> changes = new ArrayList<>();
                for (Tagged.Slice change : f.all(CHANGE)) {
                    Change decoded = ChangeCodec.decodeChange(change.bytes());
                    if (decoded.partition() != partition) throw new IOException("a change of partition " + decoded.partition() + " in a page of " + partition);
                    changes.add(decoded);
                }
                pages.add(new FeedRelay.Page(partition, f.one(SOURCE).byteValue() == 1, changes, f.longValue(NEXT_POSITION),
                        f.longValue(CHECKPOINT), f.longValue(CLAIM), f.longValue(CLAIM_END), f.has(RUNS) && f.one(RUNS).byteValue() == 1));
            }
            if (pages.size() != asked.size()) throw new IOException(pages.size() + " pages for " + asked.size() + " fetches");
            return pages;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IOException("bad feed pages: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- what a later version adds

    /** Whether this version reads messages of {@code kind}; others are skipped and counted. */
    protected boolean knowsKind(int kind) {
        return KINDS.contains(kind);
    }

    /** Whether this version reads fields of {@code tag}; others are skipped and counted. */
    protected boolean knowsField(int tag) {
        return (tag >= PARTITION && tag <= DURABLE_SEQ) || (tag >= READ_KEY && tag <= READ_DETAIL)
                || (tag >= FROM_POSITION && tag <= RUNS) || tag == MACHINE || tag == BODY || (tag >= READ_CHECKPOINT && tag <= LIST_MORE);
    }

    /** Adds fields a later version writes to a message of {@code kind}; none in this one. */
    protected void writeExtraFields(int kind, Tagged.Writer fields) {
    }

    /** Adds messages of kinds a later version writes to a request; none in this one. */
    protected void writeExtraMessages(Tagged.Writer body) {
    }

    /** Reads a message of a kind {@link #knowsKind} accepts beyond this version's; null to answer it SKIPPED. */
    protected ReplicaMessage readExtraMessage(int kind, Tagged.Fields fields) throws IOException {
        return null;
    }
}
