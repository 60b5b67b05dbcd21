package dev.cairn.internal.pipeline;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.internal.chunker.FastCdc;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.crypto.MasterKey;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.IndexFormat;
import dev.cairn.internal.repo.RepoConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** A bare store for pipeline tests: a local backend, a fresh key, 1 MiB packs; no repository around it. */
record Pipelines(Backend backend, Crypto crypto, RepoConfig config) {
    static Pipelines at(Path dir) {
        return new Pipelines(new LocalBackend(dir), new Crypto(MasterKey.generate()), new RepoConfig("0".repeat(64),
                Instant.now(), Map.of(RepoConfig.DEFAULT_CHUNKING, new RepoConfig.Chunking(FastCdc.ALGORITHM,
                64 * 1024, 256 * 1024, 1024 * 1024, 2)), 1 << 20, "zstd", 3));
    }

    /** The index as a new process loads it: from the index files alone. */
    BlobIndex indexFromFiles() throws IOException {
        BlobIndex.Builder b = new BlobIndex.Builder();
        for (ObjectInfo o : backend.list("index/")) {
            IndexFormat.decode(backend.get(o.name()), crypto, o.name(), b);
        }
        return b.build();
    }
}
