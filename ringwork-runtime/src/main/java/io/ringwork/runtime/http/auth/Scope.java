package io.ringwork.runtime.http.auth;

/**
 * What an API token may do. Parsed from the token file's words: {@code admin}, {@code read},
 * {@code tenant:NAME}, {@code kv:PREFIX}, {@code coord:PREFIX}, {@code health}.
 */
public sealed interface Scope {
    /** Everything: every read and write, cluster state and metrics. */
    record Admin() implements Scope {}

    /** Every read (documents, state, changes, dead letters, cluster, metrics); no write. */
    record Read() implements Scope {}

    /**
     * Reads and writes of the keys of one tenant: keys whose first segment (before the first '/')
     * is {@code name}, such as gluer documents {@code name/contentId}; their changes, dead letters
     * and counters.
     */
    record Tenant(String name) implements Scope {}

    /** Reads and writes of the key-value store's keys that start with {@code prefix} ({@code kv:} alone: all of them). */
    record KvPrefix(String prefix) implements Scope {}

    /**
     * Campaigning, resigning, observing and fencing in the elections, and registering and reading
     * the services, whose names start with {@code prefix} ({@code coord:} alone: all of them), and
     * using sessions.
     */
    record CoordPrefix(String prefix) implements Scope {}

    /** The health checker's API: its targets ({@code health/ID}) and their results. */
    record Health() implements Scope {}

    /**
     * One scope from its word.
     *
     * @throws IllegalArgumentException naming the word and the scopes there are
     */
    static Scope parse(String word) {
        if (word.equals("admin")) return new Admin();
        if (word.equals("read")) return new Read();
        if (word.equals("health")) return new Health();
        if (word.startsWith("tenant:") && word.length() > "tenant:".length()) {
            String name = word.substring("tenant:".length());
            if (name.contains("/")) throw new IllegalArgumentException("a tenant name has no '/': '" + word + "'");
            return new Tenant(name);
        }
        if (word.startsWith("kv:")) return new KvPrefix(word.substring("kv:".length()));
        if (word.startsWith("coord:")) return new CoordPrefix(word.substring("coord:".length()));
        throw new IllegalArgumentException("unknown scope '" + word + "' (scopes: admin, read, tenant:NAME, kv:PREFIX, coord:PREFIX, health)");
    }
}
