package io.oddsupdate.connect.odds;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The benchmark's baseline, the ceiling of this machine: the connectors' own work (parse, resolve, price, the same
 * Redis script calls, read back, Struct, JSON) in one in-process loop with no Kafka and no Connect.
 */
public final class BenchSupport implements AutoCloseable {

    private final ReferenceDataCache cache;
    private final OddsWriter writer;
    private final Jedis reader;
    private final JsonConverter json = new JsonConverter();
    private final Map<String, StreamEntryID> position = new HashMap<>();

    public BenchSupport(String jdbcUrl, String user, String redisUrl, int port, String prefix) {
        Map<String, String> props = new HashMap<>();
        props.put(OddsSinkConnector.POSTGRES_URL, jdbcUrl);
        props.put(OddsSinkConnector.POSTGRES_USER, user);
        props.put(RedisSettings.URL, redisUrl);
        props.put(RedisSettings.KEY_PREFIX, prefix);
        org.apache.kafka.common.config.AbstractConfig config = new org.apache.kafka.common.config.AbstractConfig(OddsSinkConnector.CONFIG_DEF, props);
        cache = new ReferenceDataCache(jdbcUrl, user, null, "disable", ReferenceDataCache.Migrations.SCHEMA_AND_SEED, 30_000, 5_000, Time.SYSTEM);
        writer = new OddsWriter(RedisSettings.pool(config, "bench"), prefix, "bench", 3600, 0, 5000);
        reader = new Jedis("127.0.0.1", port);
        json.configure(Map.of("schemas.enable", "false"), false);
        for (String league : List.of("nba", "nfl", "mlb")) {
            position.put(RedisSettings.streamKey(prefix, league), new StreamEntryID(0, 0));
        }
    }

    /** Processes one batch of raw JSON events end to end; returns the number of odds updates read back. */
    public int process(List<byte[]> events, long offsetBase) {
        ReferenceData ref = cache.get();
        List<OddsWriter.Step> steps = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            VendorEvent e = VendorEvent.from(events.get(i), new io.oddsupdate.connect.common.PayloadCodec(null));
            ReferenceData.Game g = ref.games().get(e.gameId());
            steps.add(new OddsWriter.Step("raw.events." + e.league(), 0, offsetBase + i, e, ref.leagues().get(g.league()), g,
                    ref.teams().get(g.homeTeam()), ref.teams().get(g.awayTeam())));
        }
        writer.apply(steps, ref, System.currentTimeMillis());
        int n = 0;
        List<Map.Entry<String, List<StreamEntry>>> read = reader.xread(XReadParams.xReadParams().count(100_000), new HashMap<>(position));
        if (read != null) {
            for (Map.Entry<String, List<StreamEntry>> s : read) {
                for (StreamEntry entry : s.getValue()) {
                    position.put(s.getKey(), entry.getID());
                    Struct v = OddsUpdates.struct(entry.getFields());
                    json.fromConnectData("odds.updates.internal", OddsUpdates.SCHEMA, v);
                    n++;
                }
            }
        }
        return n;
    }

    /** The {@code event_ts} of an odds update as the source's JsonConverter wrote it. */
    public static long eventTs(byte[] jsonValue) {
        String s = new String(jsonValue, StandardCharsets.UTF_8);
        int i = s.indexOf("\"event_ts\":") + 11;
        int j = i;
        while (Character.isDigit(s.charAt(j))) {
            j++;
        }
        return Long.parseLong(s.substring(i, j));
    }

    @Override
    public void close() {
        writer.close();
        cache.close();
        reader.close();
    }
}
