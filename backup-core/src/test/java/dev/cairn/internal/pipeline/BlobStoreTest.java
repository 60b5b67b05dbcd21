package dev.cairn.internal.pipeline;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.internal.chunker.FastCdc;
import dev.cairn.internal.crypto.MasterKey;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.IndexFormat;
import dev.cairn.internal.repo.RepoConfig;
import dev.cairn.internal.util.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** The write path's bookkeeping over a backup of many new blobs. */
class BlobStoreTest {
    @TempDir
    Path tmp;

    /**
     * A backup of many small new files adds a blob per file. What the store keeps per blob must
     * not last the whole backup: a blob's claim goes once its pack is indexed, and an index file
     * is written every {@link BlobStore#INDEX_MAX_BLOBS} blobs, not only at the end (or after
     * minutes). Every blob reads back through the index files alone, and blobs submitted twice
     * are stored once.
     */
    @Test
    void manyNewBlobs_leaveNoClaims_andIndexFilesAsTheyGo() throws Exception {
        Backend backend = new LocalBackend(tmp);
        Crypto crypto = new Crypto(MasterKey.generate());
        RepoConfig config = new RepoConfig("0".repeat(64), Instant.now(), Map.of(RepoConfig.DEFAULT_CHUNKING,
                new RepoConfig.Chunking(FastCdc.ALGORITHM, 64 * 1024, 256 * 1024, 1024 * 1024, 2)), 1 << 20, "zstd", 3);
        {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                BlobStore store = new BlobStore(backend, crypto, config, BlobIndex.empty(), pool, 1 << 20,
                        Duration.ofHours(1));
                int n = 2 * BlobStore.INDEX_MAX_BLOBS + 5_000;
                List<CompletableFuture<Id>> ids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] chunk = ByteBuffer.allocate(100).putInt(i).putLong(92, ~i).array();
                    ids.add(store.submitData(chunk, 0, chunk.length));
                    if (i % 10 == 0) {
                        ids.add(store.submitData(chunk, 0, chunk.length)); // the same again
                    }
                }
                store.drain();
                int indexFilesBeforeFlush = backend.list("index/").size();
                store.flush();
                assertThat(store.claims()).isZero();
                assertThat(indexFilesBeforeFlush).isGreaterThanOrEqualTo(2);
                assertThat(store.dataBlobsAdded.get()).isEqualTo(n);

                BlobIndex.Builder fromFiles = new BlobIndex.Builder();
                for (ObjectInfo o : backend.list("index/")) {
                    IndexFormat.decode(backend.get(o.name()), crypto, o.name(), fromFiles);
                }
                BlobIndex index = fromFiles.build();
                assertThat(index.size()).isEqualTo(n);
                for (int i = 0; i < ids.size(); i += 997) {
                    Id id = ids.get(i).get();
                    byte[] back = BlobStore.read(backend, crypto, index, id);
                    assertThat(crypto.blobId(back, 0, back.length)).isEqualTo(id);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
