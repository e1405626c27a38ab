package io.oddsupdate.connect.odds;

import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConfigDocs;

/** docs/config/Odds*.md are generated from the connectors' ConfigDefs; a stale file fails the build. */
class OddsConfigDocsTest {

    @Test
    void sinkConnectorDocs() {
        ConfigDocs.check("docs/config/OddsSinkConnector.md", ConfigDocs.markdown(OddsSinkConnector.class.getName(),
                "Prices in-play odds from `raw.events.{league}` with Postgres reference data and Redis game state; each event is "
                        + "one atomic Redis step (dedupe by event id and vendor seq, state, XADD to `<prefix>:{league}:stream`, "
                        + "Kafka offset). Subscribe with `topics.regex=" + OddsSinkConnector.RECOMMENDED_TOPICS_REGEX
                        + "` (never `raw.events.dlq`); set `errors.tolerance=all` and `errors.deadletterqueue.topic.name` for "
                        + "unusable events. Also takes the standard sink connector settings.",
                OddsSinkConnector.CONFIG_DEF));
    }

    @Test
    void sourceConnectorDocs() {
        ConfigDocs.check("docs/config/OddsSourceConnector.md", ConfigDocs.markdown(OddsSourceConnector.class.getName(),
                "Publishes the per-league Redis streams written by `OddsSinkConnector` to `odds.updates.internal.{league}`: "
                        + "key `game_id`; headers `league`, `game_id`, `player_id`, `model_version`; value the internal "
                        + "`OddsUpdate` (v2) as a Struct. Source offsets are stream entry ids; declares exactly-once support "
                        + "(`exactly.once.source.support=enabled`); trims acknowledged entries; spreads streams over tasks and "
                        + "discovers new leagues without a restart.",
                OddsSourceConnector.CONFIG_DEF));
    }
}
