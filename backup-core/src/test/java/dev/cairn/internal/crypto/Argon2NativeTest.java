package dev.cairn.internal.crypto;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The native library is loaded where the build made it, with the best block function the CPU runs. */
class Argon2NativeTest {

    @Test
    void builtLibrary_isLoaded_withAvx2WhereTheCpuHasIt() throws Exception {
        Path lib = Argon2Native.library();
        assumeTrue(lib != null, "no native library was built here (no C compiler): the key derivation runs in Java");
        assertThat(lib).isRegularFile();
        assertThat(Argon2Native.available()).as("%s loads", lib).isTrue();
        Path cpuinfo = Path.of("/proc/cpuinfo");
        boolean avx2 = Files.isReadable(cpuinfo) && Files.readString(cpuinfo).matches("(?s).*\\bavx2\\b.*");
        assertThat(Argon2Native.level()).isEqualTo(avx2 ? 2 : 1);
    }

    @Test
    void nativeAndJava_fillTheSameMemory_forTheSameKey() {
        assumeTrue(Argon2Native.available(), "native library not loaded");
        java.util.Random r = new java.util.Random(42);
        byte[] salt = new byte[16];
        r.nextBytes(salt);
        for (int[] s : new int[][]{{8, 1, 1}, {72, 3, 3}, {1024, 2, 4}, {64 * 1024, 3, 4}}) {
            byte[] password = new byte[12];
            r.nextBytes(password);
            boolean was = Argon2Kdf.useNative(false);
            byte[] java = Argon2Kdf.hash(password, salt, new byte[0], new byte[0], s[1], s[0], s[2], 32, 2);
            Argon2Kdf.useNative(true);
            byte[] c = Argon2Kdf.hash(password, salt, new byte[0], new byte[0], s[1], s[0], s[2], 32, 2);
            Argon2Kdf.useNative(was);
            assertThat(c).as("m=%d t=%d p=%d", s[0], s[1], s[2]).isEqualTo(java);
        }
    }
}
