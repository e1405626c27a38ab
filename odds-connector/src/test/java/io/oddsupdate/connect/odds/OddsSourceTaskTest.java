package io.oddsupdate.connect.odds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.servers.RedisServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** The source task against a real Redis: records, headers, resume from a committed entry id, trimming. */
class OddsSourceTaskTest {

    static RedisServer redis;

    @BeforeAll
    static void server() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    static Map<String, String> entry(String uid, String player) {
        Map<String, Object> m = new HashMap<>();
        m.put("event_uid", uid);
        m.put("event_ts", 1767999000000L);
        m.put("ingest_ts", 1767999000100L);
        m.put("league", "mlb");
        m.put("game_id", "mlb-g1");
        if (player != null) {
            m.put("player_id", player);
        }
        m.put("market", "moneyline");
        m.put("odds", -115.0);
        m.put("model_version", PricingModel.VERSION);
        m.put("source_partition", 3);
        m.put("model_inputs", Map.of("lead", 1.0));
        try {
            return Map.of("u", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static OddsSourceTask start(Map<Map<String, String>, Map<String, Object>> committed) {
        OddsSourceTask task = new OddsSourceTask();
        task.initialize(new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return Map.of();
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return new OffsetStorageReader() {
                    @Override
                    public <T> Map<String, Object> offset(Map<String, T> partition) {
                        return committed.get(partition);
                    }

                    @Override
                    @SuppressWarnings("unchecked")
                    public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
                        Map<Map<String, T>, Map<String, Object>> out = new HashMap<>();
                        partitions.forEach(p -> out.put(p, committed.get(p)));
                        return out;
                    }
                };
            }
        });
        task.start(Map.of(RedisSettings.URL, redis.url(), OddsSourceConnector.TASK_LEAGUES, "mlb",
                OddsSourceConnector.POLL_BLOCK_MS, "100"));
        return task;
    }

    @Test
    void publishesEntriesResumesFromTheCommittedIdAndTrimsWhatKafkaAcknowledged() throws Exception {
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            j.flushAll();
            String stream = "odds:{mlb}:stream";
            StreamEntryID first = j.xadd(stream, (StreamEntryID) null, entry("u1", null));
            StreamEntryID second = j.xadd(stream, (StreamEntryID) null, entry("u2", "mlb-p-cole"));
            j.xadd(stream, (StreamEntryID) null, entry("u3", null));

            OddsSourceTask task = start(Map.of());
            List<SourceRecord> records = task.poll();
            assertEquals(3, records.size());
            SourceRecord r = records.get(1);
            assertEquals("odds.updates.internal.mlb", r.topic());
            assertEquals("mlb-g1", r.key());
            assertEquals(Map.of("stream", stream), r.sourcePartition());
            assertEquals(Map.of("id", second.toString()), r.sourceOffset());
            Struct v = (Struct) r.value();
            assertEquals("u2", v.getString("event_uid"));
            assertEquals(-115.0, v.getFloat64("odds"));
            assertEquals(3, v.getInt32("source_partition"));
            assertEquals(Map.of("lead", 1.0), v.getMap("model_inputs"));
            assertEquals("mlb", r.headers().lastWithName("league").value());
            assertEquals("mlb-g1", r.headers().lastWithName("game_id").value());
            assertEquals("mlb-p-cole", r.headers().lastWithName("player_id").value());
            assertEquals(PricingModel.VERSION, r.headers().lastWithName("model_version").value());

            // Kafka acknowledged the 1st and 3rd, not the 2nd: only the 1st may go
            task.commitRecord(records.get(0), null);
            task.commitRecord(records.get(2), null);
            task.commit();
            assertEquals(2, j.xlen(stream));
            task.commitRecord(records.get(1), null);
            task.commit();
            assertEquals(0, j.xlen(stream));
            task.stop();

            // a task restarted at an older committed offset finds only what is still there, after that id
            StreamEntryID fourth = j.xadd(stream, (StreamEntryID) null, entry("u4", null));
            OddsSourceTask restarted = start(Map.of(Map.of("stream", stream), Map.of("id", first.toString())));
            List<SourceRecord> again = restarted.poll();
            assertEquals(1, again.size());
            assertEquals(Map.of("id", fourth.toString()), again.get(0).sourceOffset());
            assertNull(restarted.poll());
            restarted.stop();
        }
    }

    /** Entries the sink cannot have written go to the league's dead-letter stream with the reason; the rest flows on. */
    @Test
    void movesUnreadableEntriesToTheDeadLetterStreamAndGoesOn() throws Exception {
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            j.flushAll();
            String stream = "odds:{mlb}:stream";
            String deadLetters = "odds:{mlb}:dead-letters";
            StreamEntryID good1 = j.xadd(stream, (StreamEntryID) null, entry("u1", null));
            StreamEntryID notJson = j.xadd(stream, (StreamEntryID) null, Map.of("u", "{not json"));
            StreamEntryID noField = j.xadd(stream, (StreamEntryID) null, Map.of("x", "1"));
            StreamEntryID missing = j.xadd(stream, (StreamEntryID) null, Map.of("u", "{\"event_uid\":\"u-missing\"}"));
            StreamEntryID wrongType = j.xadd(stream, (StreamEntryID) null, Map.of("u", entry("u-bad", null).get("u").replace("-115.0", "\"minus\"")));
            StreamEntryID good2 = j.xadd(stream, (StreamEntryID) null, entry("u2", null));

            OddsSourceTask task = start(Map.of());
            List<SourceRecord> records = task.poll();
            assertEquals(List.of(good1.toString(), good2.toString()), records.stream().map(r -> r.sourceOffset().get("id")).toList());
            List<StreamEntry> dead = j.xrange(deadLetters, (StreamEntryID) null, (StreamEntryID) null);
            assertEquals(List.of(notJson, noField, missing, wrongType), dead.stream().map(StreamEntry::getID).toList());
            for (StreamEntry e : dead) {
                String reason = e.getFields().get(OddsSourceTask.DEAD_LETTER_REASON);
                assertTrue(reason.startsWith("OddsSourceConnector: unreadable entry " + e.getID() + " of " + stream + ": "), reason);
                assertEquals(stream, e.getFields().get(OddsSourceTask.DEAD_LETTER_STREAM));
            }
            assertEquals("{not json", dead.get(0).getFields().get("u"), "the entry is kept as it was");
            assertEquals("1", dead.get(1).getFields().get("x"));
            assertTrue(dead.get(1).getFields().get(OddsSourceTask.DEAD_LETTER_REASON).contains("no 'u' field"));

            task.stop();

            // a restart at an older committed offset reads them again (nothing trimmed yet): moved once only
            OddsSourceTask restarted = start(Map.of(Map.of("stream", stream), Map.of("id", good1.toString())));
            List<SourceRecord> again = restarted.poll();
            assertEquals(List.of(good2.toString()), again.stream().map(r -> r.sourceOffset().get("id")).toList());
            assertEquals(4, j.xlen(deadLetters));
            again.forEach(r -> restarted.commitRecord(r, null));
            restarted.commit();
            assertEquals(0, j.xlen(stream), "dead-lettered entries are trimmed with the published ones");
            assertNull(restarted.poll());
            restarted.stop();
        }
    }
}
