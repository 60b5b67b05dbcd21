package dev.cairn.internal.pipeline;

import dev.cairn.backend.Backend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.util.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        Pipelines p = Pipelines.at(tmp);
        Backend backend = p.backend();
        Crypto crypto = p.crypto();
        {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                BlobStore store = new BlobStore(backend, crypto, p.config(), BlobIndex.empty(), pool, 1 << 20,
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

                BlobIndex index = p.indexFromFiles();
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
