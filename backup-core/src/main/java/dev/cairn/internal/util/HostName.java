package dev.cairn.internal.util;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's name, as snapshots, locks and scheduled jobs record it. */
public final class HostName {
    private HostName() {
    }

    /**
     * The kernel's name for the host, read as Go's os.Hostname (restic) reads it on Linux, without
     * the resolver lookup of {@link InetAddress#getLocalHost()} (its initialisation and that lookup
     * were ~30 ms of every backup, on the main thread); elsewhere the resolver's, or "localhost"
     * when even that fails.
     */
    public static String local() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the resolver's way
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
