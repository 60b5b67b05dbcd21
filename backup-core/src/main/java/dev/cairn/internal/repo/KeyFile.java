package dev.cairn.internal.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import dev.cairn.IntegrityException;
import dev.cairn.Secret;
import dev.cairn.internal.crypto.Argon2Kdf;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.crypto.MasterKey;

import javax.crypto.AEADBadTagException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/** A {@code keys/<id>} object: the master key wrapped under a password-derived key (docs/format.md). */
public record KeyFile(Instant created, String host, String username, Argon2Kdf.Params kdf, byte[] wrapped) {
    public static final String PREFIX = "keys/";

    private static byte[] ad(String repoId) {
        return ("cairn-key-v1:" + repoId).getBytes(StandardCharsets.US_ASCII);
    }

    /** Wraps {@code master} under {@code password} with fresh salt. */
    public static KeyFile create(MasterKey master, Secret password, String repoId, int memoryKiB, int iterations,
                                 int parallelism, String host, String username, Instant now) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        Argon2Kdf.Params p = new Argon2Kdf.Params(memoryKiB, iterations, parallelism, salt);
        byte[] kek = Argon2Kdf.derive(password.utf8(), p);
        byte[] plain = master.serialize();
        try {
            return new KeyFile(now, host, username, p, Crypto.wrap(kek, plain, ad(repoId)));
        } finally {
            Arrays.fill(kek, (byte) 0);
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** The master key if {@code password} opens this key, empty if it does not. */
    public Optional<MasterKey> open(Secret password, String repoId) {
        byte[] kek = Argon2Kdf.derive(password.utf8(), kdf);
        try {
            byte[] plain = Crypto.unwrap(kek, wrapped, ad(repoId));
            try {
                return Optional.of(MasterKey.parse(plain));
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }

    public byte[] encode() {
        ObjectNode n = JsonTree.createObjectNode();
        n.put("version", 1);
        n.put("created", created.toString());
        n.put("host", host);
        n.put("username", username);
        ObjectNode k = n.putObject("kdf");
        k.put("algorithm", "argon2id");
        k.put("version", 19);
        k.put("memoryKiB", kdf.memoryKiB());
        k.put("iterations", kdf.iterations());
        k.put("parallelism", kdf.parallelism());
        k.put("salt", Base64.getEncoder().encodeToString(kdf.salt()));
        n.put("wrapped", Base64.getEncoder().encodeToString(wrapped));
        return JsonTree.writePretty(n);
    }

    public static KeyFile parse(byte[] bytes, String name) {
        try {
            JsonNode n = JsonTree.readTree(bytes);
            if (n.path("version").asInt() != 1) {
                throw new IntegrityException("key " + name + " has unsupported version " + n.path("version"));
            }
            JsonNode k = n.path("kdf");
            if (!"argon2id".equals(k.path("algorithm").asText()) || k.path("version").asInt() != 19) {
                throw new IntegrityException("key " + name + " uses unknown KDF " + k.path("algorithm"));
            }
            Argon2Kdf.Params p = new Argon2Kdf.Params(k.path("memoryKiB").asInt(), k.path("iterations").asInt(),
                    k.path("parallelism").asInt(), Base64.getDecoder().decode(k.path("salt").asText()));
            return new KeyFile(Instant.parse(n.path("created").asText()), n.path("host").asText(),
                    n.path("username").asText(), p, Base64.getDecoder().decode(n.path("wrapped").asText()));
        } catch (IOException | RuntimeException e) {
            if (e instanceof IntegrityException ie) {
                throw ie;
            }
            throw new IntegrityException("key " + name + " is malformed: " + e.getMessage(), e);
        }
    }
}
