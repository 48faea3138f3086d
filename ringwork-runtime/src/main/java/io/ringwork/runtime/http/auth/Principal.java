package io.ringwork.runtime.http.auth;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who a request is, and so what it may do: the token's name and scopes. {@link #OPEN} is every
 * request of a node that has no tokens configured (it binds its API to loopback unless told
 * otherwise). Immutable.
 */
public record Principal(String name, Set<Scope> scopes) {
    /** The exchange attribute under which {@code HttpApi} leaves the request's principal for handlers. */
    public static final String ATTRIBUTE = "ringwork.principal";

    /** A node without tokens: everything is allowed. */
    public static final Principal OPEN = new Principal("", Set.of(new Scope.Admin()));

    public Principal {
        scopes = Set.copyOf(scopes);
    }

    public boolean isAdmin() {
        return scopes.contains(new Scope.Admin());
    }

    /** May read everything: cluster state, metrics, every key. */
    public boolean readsAll() {
        return isAdmin() || scopes.contains(new Scope.Read());
    }

    /** May write any key. */
    public boolean writesAll() {
        return isAdmin();
    }

    /**
     * May read {@code key}: all reads, a {@code kv:PREFIX} scope for a key-value key
     * ({@code kv/K} with K under the prefix), or a tenant scope of the key's first segment.
     */
    public boolean reads(String key) {
        return readsAll() || ofScope(key);
    }

    /** May write {@code key}: admin, a {@code kv:PREFIX} scope for a key-value key, or a tenant scope of the key's first segment. */
    public boolean writes(String key) {
        return writesAll() || ofScope(key);
    }

    /** The keys this principal may read, as a filter for streams and lists (changes, dead letters). */
    public Predicate<String> readableKeys() {
        if (readsAll()) return key -> true;
        return this::ofScope;
    }

    /**
     * The key-value store's keys ({@code kv/K}) belong to {@code kv:PREFIX} scopes only: a
     * {@code tenant:kv} scope does not reach them.
     */
    private boolean ofScope(String key) {
        String coordName = key.startsWith(io.ringwork.core.coord.ElectionProcessor.KEY_PREFIX)
                ? key.substring(io.ringwork.core.coord.ElectionProcessor.KEY_PREFIX.length())
                : key.startsWith(io.ringwork.core.coord.ServiceProcessor.KEY_PREFIX)
                ? key.substring(io.ringwork.core.coord.ServiceProcessor.KEY_PREFIX.length()) : null;
        if (coordName != null) {
            String name = coordName;
            for (Scope scope : scopes) if (scope instanceof Scope.CoordPrefix coord && name.startsWith(coord.prefix())) return true;
            return false;
        }
        if (key.startsWith(io.ringwork.core.coord.SessionProcessor.KEY_PREFIX)) {
            // A session's id is 128 random bits that only its opener learns: any token that may
            // write ephemeral keys or campaign may open and use sessions.
            for (Scope scope : scopes) if (scope instanceof Scope.KvPrefix || scope instanceof Scope.CoordPrefix) return true;
            return false;
        }
        if (key.startsWith(KV_PREFIX)) {
            String kvKey = key.substring(KV_PREFIX.length());
            for (Scope scope : scopes) if (scope instanceof Scope.KvPrefix kv && kvKey.startsWith(kv.prefix())) return true;
            return false;
        }
        // The health checker's targets (health/ID) belong to the health scope only.
        if (key.startsWith(io.ringwork.core.health.HealthTarget.KEY_PREFIX)) return scopes.stream().anyMatch(s -> s instanceof Scope.Health);
        return ofTenant(key);
    }

    private static final String KV_PREFIX = io.ringwork.core.kv.KvProcessor.KEY_PREFIX;

    /** The tenants named in this principal's scopes, in no order. */
    public List<String> tenants() {
        return scopes.stream().filter(s -> s instanceof Scope.Tenant).map(s -> ((Scope.Tenant) s).name()).toList();
    }

    private boolean ofTenant(String key) {
        int slash = key.indexOf('/');
        if (slash <= 0) return false; // a key without a tenant segment belongs to no tenant
        String tenant = key.substring(0, slash);
        return scopes.contains(new Scope.Tenant(tenant));
    }
}
