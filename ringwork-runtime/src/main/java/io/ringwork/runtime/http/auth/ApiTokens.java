package io.ringwork.runtime.http.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API tokens a node accepts ({@code --api-tokens FILE}). The file has one token per line:
 * <pre>
 *   # name    hash of the secret                                                       scopes
 *   ops       sha256:5d41402abc4b2a76b9719d911017c592...                                 admin
 *   acme-app  sha256:...                                                               tenant:acme
 * </pre>
 * The node keeps only the hashes: a secret is never stored, and {@code ringwork token new} makes
 * one and prints its line. A request's {@code Authorization: Bearer SECRET} is hashed and looked
 * up; two hashes are compared by the map's lookup of a SHA-256 digest, which reveals nothing
 * about a secret that does not already match. Immutable and thread-safe.
 */
public final class ApiTokens {
    /** Secrets made by {@link #newSecret} start with this, so a leaked one is easy to search for. */
    public static final String SECRET_PREFIX = "rwt_";
    private static final String HASH_PREFIX = "sha256:";
    /** Bytes of a bearer value looked at: anything longer is refused unhashed (no work for a huge header). */
    private static final int SECRET_LENGTH_MAX = 256;

    private final Map<String, Principal> byHash;

    private ApiTokens(Map<String, Principal> byHash) {
        this.byHash = Map.copyOf(byHash);
    }

    /**
     * Reads a token file.
     *
     * @throws IllegalArgumentException naming the file, the line and what is wrong with it
     */
    public static ApiTokens load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return parse(lines, file.toString());
    }

    static ApiTokens parse(List<String> lines, String source) {
        Map<String, Principal> byHash = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = source + " line " + (i + 1) + ": ";
            String[] words = line.split("\\s+");
            if (words.length < 3) {
                throw new IllegalArgumentException(where + "expected 'NAME sha256:HEX SCOPE...', got '" + line + "'");
            }
            String name = words[0];
            if (!names.add(name)) throw new IllegalArgumentException(where + "token name '" + name + "' is used twice");
            String hash = words[1];
            if (!hash.startsWith(HASH_PREFIX) || hash.length() != HASH_PREFIX.length() + 64
                    || !hash.substring(HASH_PREFIX.length()).matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(where + "the hash must be sha256: and 64 lowercase hex digits "
                        + "(ringwork token new prints a line), got '" + hash + "'");
            }
            Set<Scope> scopes = new LinkedHashSet<>();
            for (int w = 2; w < words.length; w++) {
                try {
                    scopes.add(Scope.parse(words[w]));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + e.getMessage());
                }
            }
            if (byHash.put(hash.substring(HASH_PREFIX.length()), new Principal(name, scopes)) != null) {
                throw new IllegalArgumentException(where + "the same secret's hash is listed twice");
            }
        }
        if (byHash.isEmpty()) throw new IllegalArgumentException(source + " lists no token");
        return new ApiTokens(byHash);
    }

    /** The principal of a bearer secret, or null when no token has it. */
    public Principal authenticate(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > SECRET_LENGTH_MAX) return null;
        return byHash.get(hashHex(secret));
    }

    public int size() {
        return byHash.size();
    }

    /** The line of a token file for {@code secret}. */
    public static String line(String name, String secret, List<String> scopes) {
        for (String scope : scopes) Scope.parse(scope);
        return name + " " + HASH_PREFIX + hashHex(secret) + " " + String.join(" ", scopes);
    }

    /** A new random secret: 32 bytes from {@code random}, base64url, with {@link #SECRET_PREFIX}. */
    public static String newSecret(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hashHex(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Names of the tokens, for the start-up log. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        byHash.values().forEach(p -> names.add(p.name()));
        return names.stream().sorted().toList();
    }
}
