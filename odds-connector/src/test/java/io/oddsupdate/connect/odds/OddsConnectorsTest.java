package io.oddsupdate.connect.odds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.junit.jupiter.api.Test;

/** The connectors' own decisions: which subscriptions the sink refuses, how the source spreads streams over tasks. */
class OddsConnectorsTest {

    static Map<String, String> sink(String key, String value) {
        Map<String, String> p = new HashMap<>();
        p.put(OddsSinkConnector.POSTGRES_URL, "jdbc:postgresql://127.0.0.1:1/odds");
        p.put(OddsSinkConnector.POSTGRES_USER, "odds");
        p.put(RedisSettings.URL, "redis://127.0.0.1:1");
        p.put(key, value);
        return p;
    }

    @Test
    void theSinkRefusesToConsumeADeadLetterTopic() {
        OddsSinkConnector c = new OddsSinkConnector();
        ConfigException seed = assertThrows(ConfigException.class, () -> c.start(sink("topics.regex", "raw\\.events\\..*")));
        assertTrue(seed.getMessage().contains("raw.events.dlq"), seed.getMessage());
        Map<String, String> ownDlq = sink("topics.regex", "raw\\.events\\.(?!dlq$).+");
        ownDlq.put("errors.deadletterqueue.topic.name", "raw.events.rejected");
        assertThrows(ConfigException.class, () -> c.start(ownDlq));
        assertThrows(ConfigException.class, () -> c.start(sink("topics", "raw.events.nba, raw.events.dlq")));

        c.start(sink("topics.regex", OddsSinkConnector.RECOMMENDED_TOPICS_REGEX));
        assertEquals(3, c.taskConfigs(3).size());
        for (String topic : List.of("raw.events.nba", "raw.events.nfl", "raw.events.mlb", "raw.events.dlq_archive")) {
            assertTrue(topic.matches(OddsSinkConnector.RECOMMENDED_TOPICS_REGEX), topic);
        }
        assertTrue(!"raw.events.dlq".matches(OddsSinkConnector.RECOMMENDED_TOPICS_REGEX));
    }

    @Test
    void passwordsAreHiddenAndRedisUrlsChecked() {
        assertEquals(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD,
                OddsSinkConnector.CONFIG_DEF.configKeys().get(OddsSinkConnector.POSTGRES_PASSWORD).type);
        assertEquals(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD,
                OddsSourceConnector.CONFIG_DEF.configKeys().get(RedisSettings.PASSWORD).type);
        OddsSinkConnector c = new OddsSinkConnector();
        assertThrows(ConfigException.class, () -> c.start(sink(RedisSettings.URL, "http://cache:6379")));
        ConfigException secret = assertThrows(ConfigException.class, () -> c.start(sink(RedisSettings.URL, "rediss://user:s3cret@cache:6379")));
        assertTrue(!secret.getMessage().contains("s3cret"), secret.getMessage());
    }

    @Test
    void theSourceSpreadsLeagueStreamsOverTasksAndDeclaresExactlyOnce() {
        OddsSourceConnector c = new OddsSourceConnector();
        c.start(Map.of(RedisSettings.URL, "redis://127.0.0.1:1", OddsSourceConnector.LEAGUES, "nba,nfl,mlb"));
        List<Map<String, String>> two = c.taskConfigs(2);
        assertEquals(List.of("mlb,nba", "nfl"), two.stream().map(t -> t.get(OddsSourceConnector.TASK_LEAGUES)).toList());
        assertEquals(3, c.taskConfigs(8).size());
        assertEquals(ExactlyOnceSupport.SUPPORTED, c.exactlyOnceSupport(Map.of()));
        c.stop();
    }
}
