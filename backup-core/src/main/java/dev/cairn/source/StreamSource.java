package dev.cairn.source;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Backs up one {@link InputStream} as a named file entry. If reading fails, the backup fails and
 * writes no snapshot. Immutable; the opener is called once per backup.
 */
public final class StreamSource implements Source {
    /** Opens the stream to back up. */
    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    private final String name;
    private final Opener opener;
    private final Clock clock;
    private final String chunking;

    private StreamSource(String name, Opener opener, Clock clock, String chunking) {
        this.name = name;
        this.opener = opener;
        this.clock = clock;
        this.chunking = chunking;
    }

    /** The same source, chunked with the repository's named parameter set (e.g. {@code stream}). */
    public StreamSource withChunking(String set) {
        return new StreamSource(name, opener, clock, java.util.Objects.requireNonNull(set, "set"));
    }

    @Override
    public String chunking() {
        return chunking;
    }

    /** A stream stored as the entry {@code name}. */
    public static StreamSource of(String name, Opener opener) {
        return of(name, opener, Clock.systemUTC());
    }

    public static StreamSource of(String name, Opener opener, Clock clock) {
        dev.cairn.internal.repo.Node.validateName(name);
        return new StreamSource(name, Objects.requireNonNull(opener, "opener"), Objects.requireNonNull(clock, "clock"),
                "default");
    }

    @Override
    public String kind() {
        return "stream";
    }

    @Override
    public String descriptor() {
        return name;
    }

    @Override
    public void backup(SourceSession session) throws IOException {
        long now = TimeUnit.MILLISECONDS.toNanos(clock.millis());
        try (InputStream in = opener.open()) {
            session.root().file(EntryMetadata.stream(name, now), in);
        }
        session.root().close();
    }
}
