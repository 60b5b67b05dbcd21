package dev.cairn.internal.util;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HostNameTest {
    /** On Linux, the kernel's name for the host (as restic records it), read without a resolver lookup. */
    @Test
    void local_isTheKernelsHostName() throws IOException {
        Path kernel = Path.of("/proc/sys/kernel/hostname");
        assumeTrue(Files.isReadable(kernel), "not Linux");
        assertThat(HostName.local()).isEqualTo(Files.readString(kernel).strip()).isNotBlank();
    }
}
