package io.ringwork.runtime.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files: X.509 certificates and PKCS#8 private keys (RSA or EC), the formats
 * {@code openssl} writes by default. Every failure is an IOException whose message names the file
 * and says what was wrong, for one line at start or in the reload log.
 */
public final class Pem {
    private Pem() {}

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** Key algorithms tried in turn on a PKCS#8 key (its header does not name the algorithm). */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    /** The certificates of a PEM file in file order (the leaf first, for a chain); at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this Java runtime has no X.509 support", e);
        }
        for (Block block : blocks(file)) {
            if (!block.type().equals("CERTIFICATE")) continue;
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new IOException(file + ": certificate " + (certificates.size() + 1) + " is not a valid X.509 certificate: "
                        + e.getMessage());
            }
        }
        if (certificates.isEmpty()) throw new IOException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return certificates;
    }

    /** The one private key of a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}), RSA, EC or EdDSA. */
    public static PrivateKey privateKey(Path file) throws IOException {
        List<Block> blocks = blocks(file);
        for (Block block : blocks) {
            switch (block.type()) {
                case "PRIVATE KEY" -> {
                    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(block.der());
                    for (String algorithm : KEY_ALGORITHMS) {
                        try {
                            return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                        } catch (GeneralSecurityException e) {
                            // not this algorithm; the next one
                        }
                    }
                    throw new IOException(file + ": the PKCS#8 key is not an RSA, EC or EdDSA key this runtime can read");
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IOException(file + " holds a " + block.type()
                        + " (the old OpenSSL format); convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + " holds an encrypted key; ringwork needs it "
                        + "unencrypted (protect the file instead): openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
                default -> {
                    // another block (parameters, a certificate): look further
                }
            }
        }
        throw new IOException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(Path file) throws IOException {
        String text;
        try {
            // A PEM file is small; a huge one is a wrong path, read no more than this.
            if (Files.size(file) > (1 << 20)) throw new IOException(file + " is larger than 1 MiB; not a PEM file");
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + " is not a PEM file (not ASCII text)");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(file + " cannot be read (permission denied)");
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": a " + m.group(1) + " block is not valid base64");
            }
        }
        return blocks;
    }
}
