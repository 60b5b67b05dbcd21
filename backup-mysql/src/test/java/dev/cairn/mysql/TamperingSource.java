package dev.cairn.mysql;

import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.Source;
import dev.cairn.source.SourceSession;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A real {@link MySqlSource} whose dump is altered on its way into the repository (one text
 * replaced), while the facts it records stay true: it stands for a dump damaged after the
 * consistent point (a tool bug, a corrupted stream), which a drill must catch.
 */
final class TamperingSource implements Source {
    private final Source delegate;
    private final byte[] find;
    private final byte[] replace;

    TamperingSource(Source delegate, String find, String replace) {
        this.delegate = delegate;
        this.find = find.getBytes(StandardCharsets.UTF_8);
        this.replace = replace.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public String descriptor() {
        return delegate.descriptor();
    }

    @Override
    public List<String> paths() {
        return delegate.paths();
    }

    @Override
    public String chunking() {
        return delegate.chunking();
    }

    @Override
    public void backup(SourceSession session) throws IOException {
        DirectoryWriter root = session.root();
        DirectoryWriter tampering = new DirectoryWriter() {
            @Override
            public void file(EntryMetadata meta, InputStream content) throws IOException {
                root.file(meta, new ByteArrayInputStream(replaceAll(content.readAllBytes())));
            }

            @Override
            public boolean fileUnchanged(EntryMetadata meta) {
                return false;
            }

            @Override
            public Optional<EntryMetadata> previous(String name) {
                return root.previous(name);
            }

            @Override
            public DirectoryWriter directory(EntryMetadata meta) throws IOException {
                return root.directory(meta);
            }

            @Override
            public void special(EntryMetadata meta) throws IOException {
                root.special(meta);
            }

            @Override
            public void close() throws IOException {
                root.close();
            }
        };
        delegate.backup(new SourceSession() {
            @Override
            public DirectoryWriter root() {
                return tampering;
            }

            @Override
            public void fact(String key, String value) {
                session.fact(key, value);
            }

            @Override
            public void warn(String path, String message) {
                session.warn(path, message);
            }

            @Override
            public boolean isCancelled() {
                return session.isCancelled();
            }
        });
    }

    private byte[] replaceAll(byte[] in) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        int i = 0;
        while (i < in.length) {
            if (i + find.length <= in.length && java.util.Arrays.equals(in, i, i + find.length, find, 0, find.length)) {
                out.writeBytes(replace);
                i += find.length;
            } else {
                out.write(in[i++]);
            }
        }
        return out.toByteArray();
    }
}
