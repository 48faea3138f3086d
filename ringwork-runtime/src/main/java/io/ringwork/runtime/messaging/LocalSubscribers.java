package io.ringwork.runtime.messaging;

import io.ringwork.runtime.peer.RelayedMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's subscribers: the inbox streams and each topic's. At most {@code subscribersMax}
 * at once (more are refused), each with a queue of {@code queueCapacity} messages, so the memory
 * they hold is bounded by their product times the largest message. Thread-safe.
 */
public final class LocalSubscribers {
    /** Least loaded first: the shortest queue, then the fewest messages taken, then the oldest. */
    static final Comparator<Subscriber> LEAST_LOADED = Comparator.comparingInt(Subscriber::depth)
            .thenComparingLong(Subscriber::taken);

    private final int subscribersMax;
    private final int queueCapacity;
    private final String self;
    private final AtomicLong ids = new AtomicLong();
    private final List<Subscriber> inbox = new CopyOnWriteArrayList<>();
    private final Map<String, List<Subscriber>> topics = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

    public LocalSubscribers(String self, int subscribersMax, int queueCapacity) {
        this.self = self;
        this.subscribersMax = subscribersMax;
        this.queueCapacity = queueCapacity;
    }

    /** A new inbox subscriber taking IDs with {@code prefix}; null when the node has {@code subscribersMax} already. */
    public Subscriber subscribeInbox(String prefix) {
        Subscriber subscriber = reserve(null, prefix);
        if (subscriber != null) inbox.add(subscriber);
        return subscriber;
    }

    /** A new subscriber of {@code topic}; null when the node has {@code subscribersMax} already. */
    public Subscriber subscribe(String topic) {
        Subscriber subscriber = reserve(topic, null);
        if (subscriber == null) return null;
        // Added and removed inside compute, so a topic's list is never dropped while one is being added to it.
        topics.compute(topic, (t, list) -> {
            List<Subscriber> held = list == null ? new CopyOnWriteArrayList<>() : list;
            held.add(subscriber);
            return held;
        });
        return subscriber;
    }

    private Subscriber reserve(String topic, String prefix) {
        if (count.incrementAndGet() > subscribersMax) {
            count.decrementAndGet();
            return null;
        }
        return new Subscriber(self + "/" + ids.incrementAndGet(), topic, prefix, queueCapacity);
    }

    /**
     * Removes a subscriber whose stream ended; returns the anycast messages it still held, for
     * another subscriber (publish and send messages it held are lost: at most once).
     */
    public List<Message> unsubscribe(Subscriber subscriber, String reason) {
        subscriber.close(reason);
        boolean[] removed = {false};
        if (subscriber.topic() == null) {
            removed[0] = inbox.remove(subscriber);
        } else {
            topics.computeIfPresent(subscriber.topic(), (t, list) -> {
                removed[0] = list.remove(subscriber);
                return list.isEmpty() ? null : list;
            });
        }
        if (removed[0]) count.decrementAndGet();
        List<Message> anycasts = new ArrayList<>();
        for (Message left : subscriber.drain()) if (left.mode() == RelayedMessage.Mode.ANYCAST) anycasts.add(left);
        return anycasts;
    }

    /** Queues a sent message with every inbox subscriber that wants its ID; how many took it. */
    public int deliverInbox(Message message) {
        int delivered = 0;
        for (Subscriber subscriber : inbox) if (subscriber.wants(message.target()) && subscriber.offer(message)) delivered++;
        return delivered;
    }

    /** Queues a published message with every subscriber of its topic; how many took it. */
    public int deliverTopic(Message message) {
        int delivered = 0;
        for (Subscriber subscriber : topics.getOrDefault(message.target(), List.of())) if (subscriber.offer(message)) delivered++;
        return delivered;
    }

    /**
     * Queues an anycast message with one subscriber of its topic: the least loaded, or the next if
     * that one is closed or full. Returns the subscriber that took it, or null when none did.
     */
    public Subscriber deliverOne(Message message) {
        List<Subscriber> candidates = new ArrayList<>(topics.getOrDefault(message.target(), List.of()));
        candidates.sort(LEAST_LOADED);
        for (Subscriber subscriber : candidates) if (subscriber.offer(message)) return subscriber;
        return null;
    }

    /** The topic's subscribers here and the least loaded one's figures. */
    public RelayedMessage.Load load(String topic) {
        List<Subscriber> list = topics.getOrDefault(topic, List.of());
        Subscriber best = null;
        int open = 0;
        for (Subscriber subscriber : list) {
            if (subscriber.closedBecause() != null) continue;
            open++;
            if (best == null || LEAST_LOADED.compare(subscriber, best) < 0) best = subscriber;
        }
        return best == null ? RelayedMessage.Load.NONE : new RelayedMessage.Load(open, best.depth(), best.taken());
    }

    /** Subscribers on this node now. */
    public int count() {
        return count.get();
    }

    /** Messages queued over every subscriber (a load measure: {@code LoadGate}). */
    public long queued() {
        long queued = 0;
        for (Subscriber subscriber : inbox) queued += subscriber.depth();
        for (List<Subscriber> list : topics.values()) for (Subscriber subscriber : list) queued += subscriber.depth();
        return queued;
    }
}
