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

    /**
     * New chunks handed over in a buffer the caller then overwrites (a file's chunker) are copied
     * into reused arrays: 400 chunks of 64 KiB to 3 MiB make about a hundred, not 400; chunks
     * larger than a worker's first buffers (2 MiB) grow them. Each blob reads back as it was,
     * though the arrays held other chunks before.
     */
    @Test
    void newChunks_reuseTheirArrays_andReadBackIntact() throws Exception {
        Pipelines p = Pipelines.at(tmp);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            BlobStore store = new BlobStore(p.backend(), p.crypto(), p.config(), BlobIndex.empty(), pool, 4 << 20,
                    Duration.ofHours(1));
            java.util.Random r = new java.util.Random(11);
            byte[] buf = new byte[3 << 20];
            List<CompletableFuture<Id>> ids = new ArrayList<>();
            List<byte[]> expected = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int len = i % 10 == 0 ? (5 << 19) + r.nextInt(1 << 19) : (64 << 10) + r.nextInt(1 << 20);
                if (i % 3 == 0) {
                    java.util.Arrays.fill(buf, 0, len, (byte) i); // compressible
                    buf[r.nextInt(len)] = 1;
                } else {
                    r.nextBytes(buf);
                }
                int off = r.nextInt(buf.length - len + 1);
                expected.add(java.util.Arrays.copyOfRange(buf, off, off + len));
                ids.add(store.submitData(buf, off, len));
            }
            store.drain();
            store.flush();
            assertThat(store.dataBlobsAdded.get()).isEqualTo(400);
            BlobIndex index = p.indexFromFiles();
            for (int i = 0; i < ids.size(); i++) {
                assertThat(BlobStore.read(p.backend(), p.crypto(), index, ids.get(i).get())).isEqualTo(expected.get(i));
            }
            // ~100 copies' arrays made for these sizes spread over 64 KiB-3 MiB (without reuse, 400).
            assertThat(store.buffersCreated()).isLessThan(200);
        } finally {
            pool.shutdownNow();
        }
    }
}
