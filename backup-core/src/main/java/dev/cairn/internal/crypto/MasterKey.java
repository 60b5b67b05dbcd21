package dev.cairn.internal.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmKeyManager;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.cairn.IntegrityException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The repository's master key material: the blob-id key, the chunker seed, the config MAC key
 * and the Tink AEAD keyset for data. Immutable and thread-safe.
 */
public final class MasterKey {
    static {
        try {
            // Only AES-GCM, the one key type a data keyset holds (Crypto takes nothing else): all of
            // AeadConfig (MAC, EAX, ChaCha20, KMS envelopes… and their serializations) took ~50 ms
            // more of every command's start-up.
            AesGcmKeyManager.register(true);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final byte[] idKey;
    private final byte[] chunkerSeed;
    private final byte[] macKey;
    private final KeysetHandle dataKeyset;

    private MasterKey(byte[] idKey, byte[] chunkerSeed, byte[] macKey, KeysetHandle dataKeyset) {
        this.idKey = idKey;
        this.chunkerSeed = chunkerSeed;
        this.macKey = macKey;
        this.dataKeyset = dataKeyset;
    }

    public static MasterKey generate() {
        SecureRandom rnd = new SecureRandom();
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        byte[] c = new byte[32];
        rnd.nextBytes(a);
        rnd.nextBytes(b);
        rnd.nextBytes(c);
        try {
            return new MasterKey(a, b, c, KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate AES-256-GCM keyset", e);
        }
    }

    public byte[] idKey() {
        return idKey.clone();
    }

    public byte[] chunkerSeed() {
        return chunkerSeed.clone();
    }

    public byte[] macKey() {
        return macKey.clone();
    }

    public KeysetHandle dataKeyset() {
        return dataKeyset;
    }

    /** AES key bytes of the keyset's entries, for the JCE fast path; prefix → key. */
    AesGcmKey[] aesKeys() {
        AesGcmKey[] out = new AesGcmKey[dataKeyset.size()];
        for (int i = 0; i < out.length; i++) {
            KeysetHandle.Entry e = dataKeyset.getAt(i);
            if (!(e.getKey() instanceof AesGcmKey k)) {
                throw new IntegrityException("data keyset holds an unsupported key type: "
                        + e.getKey().getClass().getSimpleName());
            }
            out[i] = k;
        }
        return out;
    }

    AesGcmKey primaryAesKey() {
        return (AesGcmKey) dataKeyset.getPrimary().getKey();
    }

    public byte[] serialize() {
        Base64.Encoder b64 = Base64.getEncoder();
        ObjectNode n = JsonTree.createObjectNode();
        n.put("version", 1);
        n.put("idKey", b64.encodeToString(idKey));
        n.put("chunkerSeed", b64.encodeToString(chunkerSeed));
        n.put("macKey", b64.encodeToString(macKey));
        try {
            n.put("dataKeyset", TinkJsonProtoKeysetFormat.serializeKeyset(dataKeyset, InsecureSecretKeyAccess.get()));
            return JsonTree.writeValueAsBytes(n);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot serialize master key", e);
        }
    }

    public static MasterKey parse(byte[] json) {
        try {
            JsonNode n = JsonTree.readTree(new String(json, StandardCharsets.UTF_8));
            if (n.path("version").asInt() != 1) {
                throw new IntegrityException("master key version " + n.path("version") + " is not supported");
            }
            Base64.Decoder b64 = Base64.getDecoder();
            byte[] id = b64.decode(n.path("idKey").asText());
            byte[] seed = b64.decode(n.path("chunkerSeed").asText());
            byte[] mac = b64.decode(n.path("macKey").asText());
            if (id.length != 32 || seed.length != 32 || mac.length != 32) {
                throw new IntegrityException("master key material has wrong key lengths");
            }
            KeysetHandle ks = TinkJsonProtoKeysetFormat.parseKeyset(n.path("dataKeyset").asText(),
                    InsecureSecretKeyAccess.get());
            return new MasterKey(id, seed, mac, ks);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IntegrityException("master key material is malformed: " + e.getMessage(), e);
        }
    }
}
