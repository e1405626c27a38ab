package io.oddsupdate.connect.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.integration.MonitorableSinkConnector;
import org.apache.kafka.connect.integration.RuntimeHandles;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;

/**
 * GlueAvroConverter under plugin isolation: a worker loads it by name from the smt plugin ZIP (it ships in common, so
 * in every plugin), with the AWS library only in the ZIP, and a sink receives Structs of the writer schema.
 */
class GlueAvroConverterIT {

    EmbeddedConnectCluster connect;

    @BeforeEach
    void start() {
        connect = ConnectClusters.builder("glue-converter-it", PluginPath.of("smt")).build();
        connect.start();
    }

    @AfterEach
    void stop() {
        connect.stop();
        RuntimeHandles.get().deleteConnector("bronze");
    }

    @Test
    void aSinkReadsGlueAvroAsStructs() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.oddsupdate.connect.common.glue.GlueAvroConverter"));
        String topic = "odds.updates.internal.nba";
        connect.kafka().createTopic(topic, 1);
        Schema v2 = EnforceSchemaIT.repoSchema("odds-update-internal/v2");
        try (KafkaProducer<byte[], byte[]> producer = connect.kafka().createProducer(Map.of())) {
            for (int n = 0; n < 3; n++) {
                GenericRecord u = new GenericData.Record(v2);
                for (Schema.Field f : v2.getFields()) {
                    u.put(f.pos(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
                }
                u.put("event_uid", "u-" + n);
                u.put("event_ts", 1764000000000L + n);
                u.put("league", "nba");
                u.put("game_id", "nba-g1");
                u.put("market", "total");
                u.put("odds", 105.0);
                u.put("line", 215.5);
                u.put("model_inputs", Map.of("mu", 214.0));
                producer.send(new ProducerRecord<>(topic, EnforceSchemaIT.glueAvro(EnforceSchemaIT.localId("odds-update-internal/v2"), u))).get();
            }
        }
        List<SinkRecord> received = new CopyOnWriteArrayList<>();
        RuntimeHandles.get().connectorHandle("bronze").taskHandle("bronze-0", received::add);
        RuntimeHandles.get().connectorHandle("bronze").expectedRecords(3);

        Map<String, String> sink = new HashMap<>();
        sink.put("connector.class", MonitorableSinkConnector.class.getName());
        sink.put("tasks.max", "1");
        sink.put("topics", topic);
        sink.put("value.converter", "io.oddsupdate.connect.common.glue.GlueAvroConverter");
        connect.configureConnector("bronze", sink);
        RuntimeHandles.get().connectorHandle("bronze").awaitRecords(60_000);

        assertEquals(3, received.size());
        for (SinkRecord r : received) {
            Struct s = (Struct) r.value();
            assertEquals("com.example.odds.OddsUpdate", r.valueSchema().name());
            assertEquals("nba-g1", s.getString("game_id"));
            assertEquals(215.5, s.get("line"));
            assertEquals(Map.of("mu", 214.0), s.get("model_inputs"));
            assertEquals(Date.class, s.get("event_ts").getClass(), "timestamp-millis is a Connect Timestamp");
        }
    }
}
