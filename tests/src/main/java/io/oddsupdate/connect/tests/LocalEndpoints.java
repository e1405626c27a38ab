package io.oddsupdate.connect.tests;

import java.util.ArrayList;
import java.util.List;

import io.oddsupdate.connect.testkit.servers.S3Server;

/**
 * What {@code ./run-local.sh --keep-running} prints: every endpoint of the running pipeline, each with commands to paste
 * into another terminal (Kafka's CLI or kcat at the edge, this repo's {@link ReadTopic} for decoded values, the AWS CLI
 * and DuckDB against the local S3 store, redis-cli, psql, curl on Connect's REST API). The S3 credentials are the local
 * S3 server's fixed test credentials.
 */
final class LocalEndpoints {

    private LocalEndpoints() {
    }

    static List<String> lines(Pipeline p) {
        String league = p.leagues().contains("nba") ? "nba" : p.leagues().get(0);
        String edge = p.edge().bootstrapServers();
        String core = p.core().bootstrapServers();
        String publicTopic = Pipeline.PUBLIC_PREFIX + league;
        List<String> out = new ArrayList<>();
        out.add("");
        out.add("==== endpoints (until Ctrl-C); paste the commands into another terminal, from the repository's root");
        out.add("Kafka  vendor " + p.vendor().bootstrapServers() + "  " + VendorSimulator.TOPIC_PREFIX + "{" + String.join(",", p.leagues()) + "} (JSON)");
        out.add("       core   " + core + "  " + Pipeline.RAW_PREFIX + "*, " + Pipeline.INTERNAL_PREFIX + "*, " + Pipeline.RAW_DLQ + ", " + Pipeline.BRONZE_DLQ);
        out.add("       edge   " + edge + "  " + Pipeline.PUBLIC_PREFIX + "*, " + Pipeline.PUBLIC_DLQ);
        out.add("  values on raw.events.*, odds.updates.internal.* and odds.updates.public.* are Glue-Avro (binary); keys (game_id) and headers are text");
        out.add("  the edge, decoded to JSON lines (key, headers, value; no other tool needed):");
        out.add("    java -cp \"tests/target/classes:$(cat tests/target/runner-classpath.txt)\" " + ReadTopic.class.getName()
                + " --bootstrap-server=" + edge + " --topic=" + publicTopic + " --max=5");
        out.add("  kcat (keys, headers, offsets; values are binary):");
        out.add("    kcat -b " + edge + " -C -t " + publicTopic + " -o beginning -e -f 'key=%k partition=%p offset=%o headers=%h\\n'");
        out.add("  Kafka's CLI (the script is kafka-console-consumer.sh in Apache Kafka's download, kafka-console-consumer in some packages):");
        out.add("    kafka-console-consumer.sh --bootstrap-server " + edge + " --topic " + publicTopic
                + " --from-beginning --property print.key=true --property print.headers=true --property print.value=false --max-messages 5");
        out.add("  why records were dead-lettered (the reason is the __connect.errors.exception.message header):");
        out.add("    kcat -b " + core + " -C -t " + Pipeline.RAW_DLQ + " -o beginning -e -f '%h\\n\\n'");
        out.add("Connect REST  " + p.rest().url());
        out.add("    curl -s '" + trimSlash(p.rest().url()) + "/connectors?expand=status' | jq .");
        if (p.s3() != null) {
            String endpoint = p.s3().endpoint().toString();
            String hostPort = p.s3().endpoint().getHost() + ":" + p.s3().endpoint().getPort();
            out.add("S3 (bronze)   endpoint " + endpoint + ", bucket " + Pipeline.BRONZE_BUCKET + ", region " + S3Server.REGION + ", access key "
                    + S3Server.ACCESS_KEY + ", secret key " + S3Server.SECRET_KEY + " (the local S3 server's test credentials)");
            out.add("  AWS CLI:");
            out.add("    export AWS_ACCESS_KEY_ID=" + S3Server.ACCESS_KEY + " AWS_SECRET_ACCESS_KEY=" + S3Server.SECRET_KEY + " AWS_REGION=" + S3Server.REGION);
            out.add("    aws --endpoint-url " + endpoint + " s3 ls --recursive s3://" + Pipeline.BRONZE_BUCKET + "/");
            out.add("    aws --endpoint-url " + endpoint + " s3 cp --recursive s3://" + Pipeline.BRONZE_BUCKET + "/ ./bronze/");
            out.add("  DuckDB (its httpfs extension):");
            out.add("    duckdb -c \"INSTALL httpfs; LOAD httpfs; CREATE SECRET (TYPE s3, KEY_ID '" + S3Server.ACCESS_KEY + "', SECRET '" + S3Server.SECRET_KEY
                    + "', REGION '" + S3Server.REGION + "', ENDPOINT '" + hostPort + "', URL_STYLE 'path', USE_SSL false);"
                    + " SELECT league, count(*) AS rows, max(event_ts) FROM read_parquet('s3://" + Pipeline.BRONZE_BUCKET + "/**/*.parquet') GROUP BY league\"");
        }
        if (p.clickhouse() != null) {
            String ch = p.clickhouse().httpUrl();
            out.add("ClickHouse    " + ch + " (HTTP), user " + io.oddsupdate.connect.testkit.servers.ClickHouseServer.USER + ", password "
                    + p.clickhouse().password() + " (this run's), table " + Pipeline.CLICKHOUSE_TABLE + " (each update once under FINAL)");
            out.add("    echo \"SELECT market, selection, argMax(odds, (event_ts, kafka_offset)) AS latest FROM " + Pipeline.CLICKHOUSE_TABLE
                    + " FINAL WHERE league = '" + league + "' GROUP BY market, selection\" | curl -s -u "
                    + io.oddsupdate.connect.testkit.servers.ClickHouseServer.USER + ":" + p.clickhouse().password() + " '" + ch + "/' --data-binary @-");
            out.add("    clickhouse-client --host 127.0.0.1 --port " + p.clickhouse().tcpPort() + " --user "
                    + io.oddsupdate.connect.testkit.servers.ClickHouseServer.USER + " --password " + p.clickhouse().password()
                    + " --query 'SELECT count() FROM " + Pipeline.CLICKHOUSE_TABLE + " FINAL'");
        }
        String redisPort = Integer.toString(p.redis().port());
        out.add("Redis         " + p.redis().url() + "  (the odds sink's game state, odds:{league}:* keys)");
        out.add("    redis-cli -h 127.0.0.1 -p " + redisPort + " --scan --pattern 'odds:*' | head");
        out.add("    redis-cli -h 127.0.0.1 -p " + redisPort + " XLEN 'odds:{" + league + "}:stream'");
        out.add("PostgreSQL    host 127.0.0.1, port " + p.postgres().port() + ", user " + p.postgres().user() + ", database postgres (any password)");
        out.add("    psql -h 127.0.0.1 -p " + p.postgres().port() + " -U " + p.postgres().user() + " -d postgres -c 'SELECT * FROM odds_game'");
        out.add("Schema registry: none runs locally (glue.region is empty in the local environment): the repo's schemas/ are the registry,"
                + " each record's Glue header names one of their versions (schemas/raw-event, schemas/odds-update-internal,"
                + " schemas/odds-update-public)");
        out.add("");
        return out;
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
