package dev.cairn.cli;

import dev.cairn.BackupListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {
    /** The hook runs once, at the first bytes read, not for entries alone; every call reaches the listener. */
    @Test
    void onFirstBytes_runsOnceBeforeTheFirstBytesReported() {
        List<String> calls = new ArrayList<>();
        AtomicInteger hook = new AtomicInteger();
        BackupListener inner = new BackupListener() {
            @Override
            public void entryDone(String path, long bytes) {
                calls.add("entry " + path);
            }

            @Override
            public void warning(String path, String message) {
                calls.add("warning " + path);
            }

            @Override
            public void bytesProcessed(long total) {
                calls.add("bytes " + total + " after " + hook.get() + " hook");
            }
        };
        BackupListener l = Progress.onFirstBytes(inner, hook::incrementAndGet);
        l.entryDone("/unchanged", 0);
        l.warning("/odd", "skipped");
        assertThat(hook).hasValue(0);
        l.bytesProcessed(10);
        l.bytesProcessed(20);
        assertThat(hook).hasValue(1);
        assertThat(calls).containsExactly("entry /unchanged", "warning /odd", "bytes 10 after 1 hook",
                "bytes 20 after 1 hook");
    }
}
