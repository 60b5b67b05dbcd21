package dev.cairn.internal.util;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BufferPoolTest {
    @Test
    void classSizes_areFourPerDoubling_atMostAQuarterLonger() {
        assertThat(BufferPool.classSize(0)).isEqualTo(BufferPool.GRAIN);
        assertThat(BufferPool.classSize(BufferPool.GRAIN)).isEqualTo(BufferPool.GRAIN);
        assertThat(BufferPool.classSize(BufferPool.GRAIN + 1)).isEqualTo(80 << 10);
        assertThat(BufferPool.classSize(1 << 20)).isEqualTo(1 << 20);
        assertThat(BufferPool.classSize((1 << 20) + 1)).isEqualTo(1280 << 10);
        assertThat(BufferPool.classSize(8 << 20)).isEqualTo(8 << 20);
        Random r = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            int len = 1 + r.nextInt(64 << 20);
            int size = BufferPool.classSize(len);
            assertThat(size).isGreaterThanOrEqualTo(len);
            assertThat((long) size).isLessThanOrEqualTo(Math.max(BufferPool.GRAIN, len + len / 4 + 1L));
        }
    }

    @Test
    void givenBack_isReused_forLengthsUpToTwiceSmaller() {
        BufferPool pool = new BufferPool(16 << 20);
        byte[] a = pool.take(1 << 20);
        assertThat(a).hasSize(1 << 20);
        pool.give(a);
        assertThat(pool.idleBytes()).isEqualTo(1 << 20);
        assertThat(pool.take(600 << 10)).isSameAs(a); // within twice the length asked
        pool.give(a);
        byte[] small = pool.take(300 << 10); // a 1 MiB array would be over twice as long: a new one
        assertThat(small).isNotSameAs(a).hasSize(320 << 10);
        byte[] big = pool.take((1 << 20) + 1); // longer than any idle array: a new one
        assertThat(big).isNotSameAs(a).hasSize(1280 << 10);
        assertThat(pool.created()).isEqualTo(3);
        assertThat(pool.take(1 << 20)).isSameAs(a);
        assertThat(pool.idleBytes()).isZero();
    }

    @Test
    void idleArrays_neverExceedTheLimit_andAStreamOfChunksStopsAllocating() {
        BufferPool pool = new BufferPool(8 << 20);
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            held.add(pool.take(1 << 20));
        }
        held.forEach(pool::give);
        assertThat(pool.idleBytes()).isEqualTo(8 << 20); // two of the ten dropped
        pool.give(null);
        // Chunks of 0.5-2 MiB, four in flight at a time: after a while no new arrays.
        Random r = new Random(5);
        BufferPool chunks = new BufferPool(16 << 20);
        long createdAfterWarmUp = 0;
        for (int round = 0; round < 2_000; round++) {
            List<byte[]> inFlight = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                int len = (512 << 10) + r.nextInt(3 << 19);
                byte[] b = chunks.take(len);
                assertThat(b.length).isBetween(len, 2 * len);
                inFlight.add(b);
            }
            inFlight.forEach(chunks::give);
            if (round == 500) {
                createdAfterWarmUp = chunks.created();
            }
            assertThat(chunks.idleBytes()).isLessThanOrEqualTo(16 << 20);
        }
        assertThat(chunks.created()).isLessThan(createdAfterWarmUp + 20);
    }

    @Test
    void smallLengths_getExactNewArrays_neverKept() {
        BufferPool pool = new BufferPool(16 << 20);
        byte[] small = pool.take(2_000);
        assertThat(small).hasSize(2_000);
        pool.give(small);
        assertThat(pool.idleBytes()).isZero();
        pool.give(pool.take(BufferPool.GRAIN));
        assertThat(pool.take(2_000)).hasSize(2_000); // not the idle 64 KiB array
        assertThat(pool.idleBytes()).isEqualTo(BufferPool.GRAIN);
    }

    @Test
    void negativeArguments_areRejected() {
        assertThatThrownBy(() -> new BufferPool(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BufferPool(1).take(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
