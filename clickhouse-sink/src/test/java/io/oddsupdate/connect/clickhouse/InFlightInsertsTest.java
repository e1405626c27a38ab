package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The INSERTs in flight, against a stand-in for ClickHouse's HTTP interface that fails the INSERTs it is told to: what
 * is committed when a later batch fails after an earlier one succeeded, and the order batches are sent again in.
 */
class InFlightInsertsTest {

    static final String TOPIC = "odds.updates.internal.nba";
    static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    static final Pattern OFFSET = Pattern.compile("\"kafka_offset\":(\\d+)");

    HttpServer server;
    /** Every INSERT attempt, as the offsets of its rows, and whether it was answered 200. */
    final List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    /** INSERTs holding one of these offsets are answered 503. */
    final java.util.Set<Long> failOffsets = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** INSERTs wait for this before they are answered. */
    volatile CountDownLatch gate = new CountDownLatch(0);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        String query = java.net.URLDecoder.decode(x.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
        byte[] body;
        try (InputStream in = "gzip".equals(x.getRequestHeaders().getFirst("Content-Encoding"))
                ? new GZIPInputStream(x.getRequestBody()) : x.getRequestBody()) {
            body = in.readAllBytes();
        }
        String text = new String(body, StandardCharsets.UTF_8);
        String answer;
        int status = 200;
        if (text.startsWith("SELECT version()")) {
            answer = "18.16.1\n";
        } else if (text.startsWith("SELECT name, type, default_kind FROM system.columns")) {
            answer = "event_uid\tString\t\nkafka_offset\tUInt64\t\n";
        } else if (query.contains("INSERT INTO")) {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<Long> offsets = new ArrayList<>();
            Matcher m = OFFSET.matcher(text);
            while (m.find()) {
                offsets.add(Long.parseLong(m.group(1)));
            }
            boolean fail = offsets.stream().anyMatch(failOffsets::contains);
            attempts.add(offsets.get(0) + "-" + offsets.get(offsets.size() - 1) + (fail ? " failed" : " ok"));
            status = fail ? 503 : 200;
            answer = fail ? "Service Unavailable" : "";
        } else {
            status = 400;
            answer = "Code: 62, e.displayText() = DB::Exception: unexpected query";
        }
        byte[] out = answer.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            x.getResponseBody().write(out);
        }
        x.close();
    }

    TaskHarness task() {
        return new TaskHarness("http://127.0.0.1:" + server.getAddress().getPort(), "odds", Map.of(
                ClickHouseSinkConnector.COLUMNS_MAPPING, "kafka_offset=kafka.offset",
                ClickHouseSinkConnector.BATCH_MAX_ROWS, "10", ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "60000",
                ClickHouseSinkConnector.BATCH_MAX_IN_FLIGHT, "2",
                ClickHouseSinkConnector.FORMAT, "JSONEachRow")); // rows the stand-in reads the offsets of
    }

    static List<SinkRecord> records(long from, long to) {
        List<SinkRecord> out = new ArrayList<>();
        for (long n = from; n < to; n++) {
            out.add(new SinkRecord(TOPIC, 0, null, null, null, new HashMap<>(Map.of("event_uid", "u" + n)), n));
        }
        return out;
    }

    /**
     * Batch 1 acknowledged, batch 2 failing while batch 3 (sent once batch 1 left the line) is acknowledged: exactly
     * batch 1's offsets are committed, and only batch 2 is sent again.
     */
    @Test
    void aFailedSecondBatchCommitsExactlyTheFirstEvenWhenTheThirdLanded() {
        TaskHarness h = task();
        failOffsets.add(10L);
        h.task.put(records(0, 30)); // three batches of 10: the third waits for the first to be acknowledged
        RetriableException e = assertThrows(RetriableException.class, h.task::awaitInFlight);
        assertTrue(e.getMessage().contains(TOPIC + "-0:10-19(10)"), e.getMessage());
        assertEquals(List.of("0-9 ok", "10-19 failed", "10-19 failed", "20-29 ok"), sorted(attempts), "2 attempts of batch 2");
        assertTrue(attempts.indexOf("0-9 ok") < attempts.indexOf("20-29 ok"), "batch 3 waited for batch 1: " + attempts);
        assertEquals(Map.of(P0, 10L), h.commit(Map.of(P0, 30L)), "batch 1's offsets, and no more");
        assertEquals(20, h.task.pendingRows().size(), "batch 3 leaves the line after batch 2");

        failOffsets.clear(); // the server is back
        h.task.put(records(0, 30)); // redelivered: nothing is batched twice; batch 2 alone is sent again
        h.task.awaitInFlight();
        assertEquals(List.of("0-9 ok", "10-19 failed", "10-19 failed", "10-19 ok", "20-29 ok"), sorted(attempts));
        assertEquals("10-19 ok", attempts.get(attempts.size() - 1));
        assertEquals(Map.of(P0, 30L), h.commit(Map.of(P0, 30L)));
        assertEquals(0, h.task.pendingRows().size());
        h.task.stop();
    }

    /** Two failed batches are sent again one after the other, in batch order; a failure of the first holds the second. */
    @Test
    void failedBatchesAreSentAgainInOrder() {
        TaskHarness h = task();
        failOffsets.addAll(List.of(0L, 10L));
        h.task.put(records(0, 20));
        assertThrows(RetriableException.class, h.task::awaitInFlight);
        assertEquals(Map.of(P0, 0L), h.commit(Map.of(P0, 20L)));

        failOffsets.remove(10L); // batch 1 still failing: batch 2 is not sent again before it
        attempts.clear();
        h.task.put(List.of());
        assertThrows(RetriableException.class, h.task::awaitInFlight);
        assertEquals(List.of("0-9 failed", "0-9 failed"), attempts);

        failOffsets.clear();
        attempts.clear();
        h.task.put(List.of());
        h.task.awaitInFlight();
        assertEquals(List.of("0-9 ok", "10-19 ok"), attempts);
        assertEquals(Map.of(P0, 20L), h.commit(Map.of(P0, 20L)));
        h.task.stop();
    }

    static List<String> sorted(List<String> attempts) {
        synchronized (attempts) {
            List<String> copy = new ArrayList<>(attempts);
            Collections.sort(copy);
            return copy;
        }
    }

    /** While INSERTs are under way, nothing of them is committed; the task keeps encoding. */
    @Test
    void aBatchInFlightIsNotCommittedUntilAcknowledged() throws Exception {
        TaskHarness h = task();
        gate = new CountDownLatch(1);
        h.task.put(records(0, 20)); // batches 1 and 2 sent and held by the server: put returns
        assertEquals(Map.of(P0, 0L), h.commit(Map.of(P0, 20L)));
        assertEquals(20, h.task.pendingRows().size());
        gate.countDown();
        h.task.awaitInFlight();
        assertEquals(List.of("0-9 ok", "10-19 ok"), sorted(attempts));
        assertEquals(Map.of(P0, 20L), h.commit(Map.of(P0, 20L)));
        h.task.stop();
    }

    /** A partition revoked while its rows are in a failed batch: the batch is sent again without them. */
    @Test
    void aRevokedPartitionsRowsAreNotSentAgain() {
        TaskHarness h = task();
        failOffsets.add(3L);
        List<SinkRecord> mixed = new ArrayList<>(records(0, 5));
        for (long n = 0; n < 5; n++) {
            mixed.add(new SinkRecord(TOPIC, 1, null, null, null, new HashMap<>(Map.of("event_uid", "v" + n)), 100 + n));
        }
        h.task.put(mixed); // one batch of 10: P0 0-4, P1 100-104
        assertThrows(RetriableException.class, h.task::awaitInFlight);
        h.task.close(List.of(P0));
        failOffsets.clear();
        h.task.put(List.of());
        h.task.awaitInFlight();
        assertEquals(List.of("0-104 failed", "0-104 failed", "100-104 ok"), attempts);
        h.task.stop();
    }
}
