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
 * The batches handed to ClickHouse and not yet acknowledged, each sent at once by a sender thread of its own while the
 * task thread encodes the next batch. At most {@code maxInFlight} batches are pending (so at most that many INSERTs run
 * at once): a further one waits for the oldest. Batches leave the line in order only, so offsets are committed below the
 * first row of the oldest unacknowledged batch even when later ones were acknowledged. A failed batch stays pending; the
 * failed ones are sent again by {@link #resend}, one after the other in batch order (a failure of one leaves those
 * after it unsent). Only the task thread calls this class; the sender threads only run the write of a batch's rows.
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
        this.sender = Executors.newFixedThreadPool(maxInFlight, r -> {
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
        p.done = chain(null, batch.rowsInOrder());
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

    /**
     * Sends the failed batches again, one after the other in batch order; an acknowledged batch behind a failed one is
     * not sent again (it leaves the line once those before it are acknowledged).
     */
    void resend() {
        CompletableFuture<List<BatchWriter.Rejected>> previous = null;
        for (Pending p : pending) {
            await(p);
            if (p.done.isCompletedExceptionally()) {
                p.done = chain(previous, p.batch.rowsInOrder());
                previous = p.done;
            }
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
        // After the previous batch only, if any: a failed one fails this one too, unsent.
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
