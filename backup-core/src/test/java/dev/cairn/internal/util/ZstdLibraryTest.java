package dev.cairn.internal.util;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Choosing the zstd library beside the CLI's jar. (Loading it and the error when it cannot load are
 * covered through the CLI: this JVM has loaded it long before.)
 */
class ZstdLibraryTest {
    @TempDir
    Path tmp;

    private String before;

    @BeforeEach
    void save() {
        assumeThat(ZstdLibrary.relativePath()).as("only Linux ships the library beside the jar").isNotNull();
        before = System.getProperty(ZstdLibrary.PATH_PROPERTY);
        System.clearProperty(ZstdLibrary.PATH_PROPERTY);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(ZstdLibrary.PATH_PROPERTY);
        } else {
            System.setProperty(ZstdLibrary.PATH_PROPERTY, before);
        }
    }

    @Test
    void relativePath_namesThisArchitecture_andZstdJnisVersion() {
        assertThat(ZstdLibrary.relativePath())
                .isEqualTo("linux/" + System.getProperty("os.arch") + "/libzstd-jni-"
                        + com.github.luben.zstd.util.ZstdVersion.VERSION + ".so");
    }

    @Test
    void useBeside_setsThePropertyToTheFile_whenItIsThere() throws IOException {
        Path lib = tmp.resolve("native").resolve(ZstdLibrary.relativePath());
        Files.createDirectories(lib.getParent());
        Files.write(lib, new byte[]{1});
        assertThat(ZstdLibrary.useBeside(tmp.resolve("native"))).isEqualTo(lib);
        assertThat(System.getProperty(ZstdLibrary.PATH_PROPERTY)).isEqualTo(lib.toAbsolutePath().toString());
    }

    @Test
    void useBeside_leavesZstdJnisOwnLoading_whenTheFileIsMissing() throws IOException {
        Path other = tmp.resolve("native/linux/some-other-arch/libzstd-jni-0.so");
        Files.createDirectories(other.getParent());
        Files.write(other, new byte[]{1});
        assertThat(ZstdLibrary.useBeside(tmp.resolve("native"))).isNull();
        assertThat(System.getProperty(ZstdLibrary.PATH_PROPERTY)).isNull();
    }

    @Test
    void useBeside_keepsAPathTheOperatorChose() throws IOException {
        Path lib = tmp.resolve("native").resolve(ZstdLibrary.relativePath());
        Files.createDirectories(lib.getParent());
        Files.write(lib, new byte[]{1});
        System.setProperty(ZstdLibrary.PATH_PROPERTY, "/opt/zstd/chosen.so");
        assertThat(ZstdLibrary.useBeside(tmp.resolve("native"))).isNull();
        assertThat(System.getProperty(ZstdLibrary.PATH_PROPERTY)).isEqualTo("/opt/zstd/chosen.so");
    }
}
