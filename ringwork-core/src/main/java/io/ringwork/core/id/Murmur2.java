package io.ringwork.core.id;

/**
 * The 32-bit murmur2 hash exactly as Kafka's default partitioner computes it (seed 0x9747b28c),
 * so that ringwork and any Kafka producer put a key in the same partition. Verified against
 * {@code org.apache.kafka.common.utils.Utils.murmur2} in the tests.
 */
public final class Murmur2 {
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private Murmur2() {}

    public static int hash(byte[] data) {
        int length = data.length;
        int h = SEED ^ length;
        int fours = length / 4;
        for (int i = 0; i < fours; i++) {
            int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8)
                    + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        // The tail: up to three bytes, folded in from the highest (deliberate fall-through).
        int tail = fours * 4;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
            case 1:
                h ^= data[tail] & 0xff;
                h *= M;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    /** Kafka's {@code Utils.toPositive}: clears the sign bit (not {@code Math.abs}). */
    public static int toPositive(int n) {
        return n & 0x7fffffff;
    }
}
