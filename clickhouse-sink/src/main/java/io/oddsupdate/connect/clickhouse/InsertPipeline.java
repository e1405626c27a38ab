package io.oddsupdate.connect.clickhouse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;

import org.apache.kafka.common.TopicPartition;

/**
 * The batches handed to ClickHouse and not yet acknowledged, sent one after the other by one sender thread while the
 * task thread encodes the next batch. At most {@code maxInFlight} batches are pending: a further one waits for the
 * oldest. Each INSERT starts only after the one before it was acknowledged, so a failure stops the line: the failed
 * batch and every batch after it stay pending, in order, and are sent again in that order by {@link #resend}. Only the
 * task thread calls this class; the sender thread only runs the write of a batch's rows.
 */
final class InsertPipeline {

    /** A pending batch: its rows (partitions revoked meanwhile dropped) and the outcome of its latest send. */
    static final class Pending {
        final Batch batch;
        CompletableFuture<List<BatchWriter.Rejected>> done;

        Pending(Batch batch) {
            this.batch = batch;
        }
    }

    private final Function<List<Batch.Row>, List<BatchWriter.Rejected>> write;
    private final int maxInFlight;
    private final ExecutorService sender;
    private final Deque<Pending> pending = new ArrayDeque<>();

    /**
     * {@code write} sends rows and returns those the server rejected (run on the sender thread, one batch at a time);
     * {@code maxInFlight} bounds the batches pending.
     */
    InsertPipeline(Function<List<Batch.Row>, List<BatchWriter.Rejected>> write, int maxInFlight, String threadName) {
        this.write = write;
        this.maxInFlight = maxInFlight;
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Queues a batch behind the pending ones. When {@code maxInFlight} are pending, first waits for the oldest and
     * reaps: a failure of it is thrown (the batch is then not queued).
     */
    void submit(Batch batch, Consumer<List<BatchWriter.Rejected>> acknowledged) {
        while (pending.size() >= maxInFlight) {
            await(pending.peekFirst());
            reap(acknowledged, true);
        }
        Pending p = new Pending(batch);
        p.done = chain(pending.isEmpty() ? null : pending.peekLast().done, batch.rowsInOrder());
        pending.addLast(p);
    }

    /**
     * Removes the acknowledged batches from the head of the line, handing each one's rejected rows to
     * {@code acknowledged}. A failed head stays pending; with {@code throwFailure} its failure is thrown.
     */
    void reap(Consumer<List<BatchWriter.Rejected>> acknowledged, boolean throwFailure) {
        while (!pending.isEmpty() && pending.peekFirst().done.isDone()) {
            Pending head = pending.peekFirst();
            List<BatchWriter.Rejected> rejected;
            try {
                rejected = head.done.join();
            } catch (CompletionException e) {
                if (throwFailure) {
                    throw unwrap(e);
                }
                return;
            }
            pending.removeFirst();
            acknowledged.accept(rejected);
        }
    }

    /** Whether the oldest pending batch failed: the line stands until {@link #resend}. */
    boolean failed() {
        Pending head = pending.peekFirst();
        return head != null && head.done.isCompletedExceptionally();
    }

    /** Sends every pending batch again, in order (after a failure: none of them is being sent). */
    void resend() {
        CompletableFuture<List<BatchWriter.Rejected>> previous = null;
        for (Pending p : pending) {
            await(p); // the ones after a failure complete with it, at once
            p.done = chain(previous, p.batch.rowsInOrder());
            previous = p.done;
        }
    }

    /** Waits until every pending batch is acknowledged or failed. */
    void awaitAll() {
        for (Pending p : pending) {
            await(p);
        }
    }

    /** The offset of the partition's first row in a pending batch, or null when none holds one. */
    Long firstOffset(TopicPartition tp) {
        Long first = null;
        for (Pending p : pending) {
            Long o = p.batch.firstOffset(tp);
            if (o != null && (first == null || o < first)) {
                first = o;
            }
        }
        return first;
    }

    /**
     * Forgets the partitions' rows in every pending batch: a send already under way still carries them (a replay by
     * their next owner writes the same rows), a send again does not.
     */
    void drop(Collection<TopicPartition> revoked) {
        for (Pending p : pending) {
            revoked.forEach(p.batch::drop);
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    List<Batch.Row> rows() {
        List<Batch.Row> rows = new ArrayList<>();
        pending.forEach(p -> rows.addAll(p.batch.rowsInOrder()));
        return rows;
    }

    /** Forgets every pending batch and stops the sender (an INSERT under way is interrupted). */
    void close() {
        pending.clear();
        sender.shutdownNow();
    }

    private CompletableFuture<List<BatchWriter.Rejected>> chain(CompletableFuture<List<BatchWriter.Rejected>> previous,
            List<Batch.Row> rows) {
        // After the previous batch only: a failed one fails this one too, unsent.
        return previous == null
                ? CompletableFuture.supplyAsync(() -> write.apply(rows), sender)
                : previous.thenApplyAsync(r -> write.apply(rows), sender);
    }

    private static void await(Pending p) {
        try {
            p.done.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            // the outcome is read by reap
        }
    }

    private static RuntimeException unwrap(CompletionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return e;
    }
}
