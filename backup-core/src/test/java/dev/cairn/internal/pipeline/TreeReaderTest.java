package dev.cairn.internal.pipeline;

import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.Node;
import dev.cairn.internal.repo.TreeCodec;
import dev.cairn.internal.util.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

class TreeReaderTest {
    @TempDir
    Path tmp;

    /**
     * Trees of large directories: the cache holds at most {@link TreeReader#CACHE_NODES} nodes
     * whatever the number of trees read (a cache of 1,024 trees held millions of nodes), and a tree
     * read again, cached or not, is the same.
     */
    @Test
    void cache_isBoundedByNodes_andRereadsAreEqual() throws Exception {
        Pipelines p = Pipelines.at(tmp);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Id> trees = new ArrayList<>();
        try {
            BlobStore store = new BlobStore(p.backend(), p.crypto(), p.config(), BlobIndex.empty(), pool, 1 << 20);
            for (int t = 0; t < 30; t++) {
                List<Node> nodes = new ArrayList<>();
                for (int i = 0; i < 2_500; i++) {
                    nodes.add(new Node("d" + t + "-f" + i, Node.FILE, 0644, 0, 0, "", "", i, i, i, 1, 1, 0, "",
                            Map.of(), List.of(), null));
                }
                trees.add(store.putTree(TreeCodec.encode(nodes)));
            }
            store.flush();
        } finally {
            pool.shutdownNow();
        }
        TreeReader reader = new TreeReader(p.backend(), p.crypto(), p.indexFromFiles());
        List<List<Node>> first = new ArrayList<>();
        for (Id t : trees) {
            first.add(reader.tree(t));
            assertThat(reader.cachedNodes()).isLessThanOrEqualTo(TreeReader.CACHE_NODES);
        }
        assertThat(reader.cachedNodes()).isPositive();
        for (int i = trees.size() - 1; i >= 0; i--) {
            assertThat(reader.tree(trees.get(i))).isEqualTo(first.get(i)).hasSize(2_500);
        }
    }
}
