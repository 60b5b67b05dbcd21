package dev.cairn.internal.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import dev.cairn.IntegrityException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CryptoTest {
    private final MasterKey master = MasterKey.generate();
    private final Crypto crypto = new Crypto(master);

    @Test
    void ciphertext_isTinkWireFormat_decryptableByTink() throws Exception {
        byte[] plain = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(plain);
        byte[] ad = "ad".getBytes(StandardCharsets.US_ASCII);
        byte[] ct = crypto.encrypt(plain, ad);
        // Tink's own AEAD (its wrapper: Cairn registers only the AES-GCM key type, and never uses
        // Tink's primitives).
        AeadConfig.register();
        Aead tink = master.dataKeyset().getPrimitive(RegistryConfiguration.get(), Aead.class);
        assertThat(tink.decrypt(ct, ad)).isEqualTo(plain);
        byte[] fromTink = tink.encrypt(plain, ad);
        assertThat(crypto.decrypt(fromTink, ad, "x")).isEqualTo(plain);
    }

    @Test
    void decrypt_tamperedOrWrongAd_throwsIntegrity() {
        byte[] ct = crypto.encrypt(new byte[100], new byte[]{1});
        ct[40] ^= 1;
        assertThatThrownBy(() -> crypto.decrypt(ct, new byte[]{1}, "blob x"))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("blob x");
        byte[] ok = crypto.encrypt(new byte[100], new byte[]{1});
        assertThatThrownBy(() -> crypto.decrypt(ok, new byte[]{2}, "blob y")).isInstanceOf(IntegrityException.class);
        assertThatThrownBy(() -> crypto.decrypt(new byte[5], new byte[]{2}, "blob z"))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("truncated");
    }

    @Test
    void encryptIntoBuffer_reusedWithStaleBytes_decryptsAndRejectsShortBuffer() {
        byte[] ad = {7};
        byte[] out = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(out, (byte) 0x5a); // a reused buffer: old data beyond the blob stays
        for (int len : new int[]{0, 1, 16 * 1024, 16 * 1024 + 1, 1024 * 1024 + 3}) {
            byte[] plain = new byte[len + 10];
            new Random(len).nextBytes(plain);
            int n = crypto.encrypt(plain, 5, len, ad, out);
            assertThat(n).isEqualTo(len + Crypto.OVERHEAD);
            byte[] ct = java.util.Arrays.copyOf(out, n);
            assertThat(crypto.decrypt(ct, ad, "x")).isEqualTo(java.util.Arrays.copyOfRange(plain, 5, 5 + len));
        }
        assertThatThrownBy(() -> crypto.encrypt(new byte[100], 0, 100, ad, new byte[100 + Crypto.OVERHEAD - 1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needed");
    }

    @Test
    void masterKey_roundTripsThroughSerialization() {
        MasterKey again = MasterKey.parse(master.serialize());
        Crypto c2 = new Crypto(again);
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        assertThat(c2.blobId(data, 0, data.length)).isEqualTo(crypto.blobId(data, 0, data.length));
        assertThat(c2.decrypt(crypto.encrypt(data, new byte[0]), new byte[0], "x")).isEqualTo(data);
    }

    @Test
    void blobIds_areKeyed() {
        byte[] data = "same".getBytes(StandardCharsets.UTF_8);
        Crypto other = new Crypto(MasterKey.generate());
        assertThat(other.blobId(data, 0, 4)).isNotEqualTo(crypto.blobId(data, 0, 4));
    }
}
