package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.deploy.ConnectorConfigs;
import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.ConnectRest;
import io.oddsupdate.connect.testkit.ConnectWorkers;
import io.oddsupdate.connect.testkit.KafkaBrokerProcesses;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;
import io.oddsupdate.connect.testkit.servers.ClickHouseServer;
import io.oddsupdate.connect.testkit.servers.PostgresServer;
import io.oddsupdate.connect.testkit.servers.RedisServer;
import io.oddsupdate.connect.testkit.servers.S3Server;

/**
 * The whole odds pipeline on loopback, shared by the local runner ({@link LocalPipeline}) and the end-to-end tests:
 * three Kafka clusters (vendor, core, edge), a distributed Connect worker on core whose {@code plugin.path} holds the
 * bundle ZIP, PostgreSQL and Redis with the odds connector's reference data, an S3-compatible store for bronze, the
 * pipeline's topics, and every connector of {@code connector-configs/} as users deploy it with the {@code local}
 * environment ({@link #ENV}): rendered by the deploy tooling's {@link ConnectorConfigs}, with this run's addresses in
 * place of the environment's vars.
 *
 * <p>The one worker runs both MirrorMaker hops; the core→edge hop writes to the edge through the local overlay's
 * producer override (on MSK Connect it is a connector of a cluster bound to the edge).
 */
final class Pipeline implements AutoCloseable {

    static final String RAW_DLQ = "raw.events.dlq";
    static final String PUBLIC_DLQ = "odds.updates.public.dlq";
    static final String BRONZE_DLQ = "odds.updates.bronze.dlq";
    static final String CLICKHOUSE_DLQ = "odds.updates.clickhouse.dlq";
    /** The ClickHouse table the clickhouse-sink stage writes (connector-configs/base/clickhouse-sink.json). */
    static final String CLICKHOUSE_TABLE = "odds.odds_updates";
    /**
     * The table on the ClickHouse these machines install (Debian's 18.16: DateTime, no LowCardinality or Map; the DDL for
     * current ClickHouse is in docs/clickhouse-sink.md).
     */
    static final String CLICKHOUSE_DDL = "CREATE TABLE " + CLICKHOUSE_TABLE + " (\n"
            + "  event_uid String, event_ts DateTime, ingest_ts Nullable(DateTime), league String, game_id String,\n"
            + "  team_id Nullable(String), player_id Nullable(String), market String, selection Nullable(String),\n"
            + "  line Nullable(Float64), odds Float64, decimal_odds Nullable(Float64), fair_prob Nullable(Float64),\n"
            + "  model_version Nullable(String), kafka_topic String, kafka_partition UInt16, kafka_offset UInt64,\n"
            + "  kafka_timestamp DateTime\n"
            + ") ENGINE = ReplacingMergeTree(kafka_offset) PARTITION BY toYYYYMMDD(event_ts) ORDER BY (league, game_id, market, event_uid)";
    static final String BRONZE_BUCKET = "bronze";
    static final String RAW_PREFIX = "raw.events.";
    static final String INTERNAL_PREFIX = "odds.updates.internal.";
    static final String PUBLIC_PREFIX = "odds.updates.public.";
    static final int PARTITIONS = 3;
    /** The vendor accepts records up to this size; core keeps Kafka's 1 MB default, so larger ones must be dead-lettered. */
    static final int VENDOR_MAX_BYTES = 4 * 1024 * 1024;

    /** A plugin class of the bundle, named as a string: no plugin class is on this class path (see the root pom). */
    static final String ODDS_SINK = "io.oddsupdate.connect.odds.OddsSinkConnector";

    /** The environment of {@code connector-configs/} the pipeline runs: plain workers, PLAINTEXT, the repo's schemas. */
    static final String ENV = "local";
    /** Where the connector configs live, one source for the deploy tooling, this pipeline and the tests. */
    static final Path CONNECTOR_CONFIGS = PluginPath.projectRoot().resolve("connector-configs");

    /** The pipeline's stages, in data order: one per connector of {@code connector-configs/base/}. */
    enum Stage {
        VENDOR_TO_CORE("vendor-to-core", "MirrorMaker vendor→core with EnforceSchema, CanonicalKey, InjectHeaders"),
        VENDOR_HEARTBEAT("vendor-to-core-heartbeat", "MirrorMaker heartbeats of the vendor hop into core's heartbeats topic"),
        ODDS_SINK("odds-sink", "OddsSinkConnector raw.events.* → Postgres reference data + Redis"),
        ODDS_SOURCE("odds-source", "OddsSourceConnector Redis streams → odds.updates.internal.*"),
        CORE_TO_EDGE("core-to-edge", "MirrorMaker core→edge with Sanitize, EnforceSchema"),
        BRONZE("bronze-s3-sink", "S3ParquetSinkConnector odds.updates.internal.* → s3://bronze/ Parquet"),
        CLICKHOUSE("clickhouse-sink", "ClickHouseSinkConnector odds.updates.internal.* → ClickHouse " + CLICKHOUSE_TABLE);

        final String connector;
        final String description;


        Stage(String connector, String description) {
            this.connector = connector;
            this.description = description;
        }
    }

    /**
     * What to run. {@code glue}: settings of a Glue Schema Registry ({@code glue.region}, {@code glue.endpoint},
     * {@code glue.registry.name}, ...) put under every component of a connector config that has registry settings
     * (EnforceSchema, GlueAvroConverter), after rendering; empty: the local environment's registry, the repo's schema
     * files ({@code glue.region} empty).
     */
    record Options(List<String> leagues, int workers, Map<String, String> glue, boolean workerProcesses, int coreBrokers,
                   boolean authorized) {
        static Options defaults(List<String> leagues) {
            return new Options(leagues, 1, Map.of(), false, 1, false);
        }

        Options withGlue(Map<String, String> settings) {
            return new Options(leagues, workers, settings, workerProcesses, coreBrokers, authorized);
        }

        /**
         * Core and edge authorize every request by ACL ({@link AuthorizedClusters}): each connector logs in as its own
         * SCRAM user, granted exactly what {@code connectors.json} gives it; the worker (one process) as its own. The
         * vendor stays as it is ({@code SecurityIT} covers its logins).
         */
        Options withAuthorization() {
            return new Options(leagues, 1, glue, true, 1, true);
        }

        /**
         * {@code count} Connect workers, each in its own JVM ({@link ConnectWorkers}), so a test can kill one for real;
         * the core cluster then runs on its own.
         */
        Options withWorkerProcesses(int count) {
            return new Options(leagues, count, glue, true, coreBrokers, authorized);
        }

        /**
         * A core cluster of {@code brokers} brokers (with worker processes only; the brokers are processes too,
         * {@link KafkaBrokerProcesses}): the pipeline's and Connect's topics on core get replication factor min(3, brokers)
         * and, from 2 replicas, {@code min.insync.replicas} 2.
         */
        Options withCoreBrokers(int brokers) {
            return new Options(leagues, workers, glue, workerProcesses, brokers, authorized);
        }
    }

    private final Options options;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final Map<Stage, String> stages = new EnumMap<>(Stage.class);
    private final List<Path> pluginZips;
    private EmbeddedKafkaCluster vendor;
    private EmbeddedKafkaCluster edge;
    private EmbeddedConnectCluster connect;
    private EmbeddedKafkaCluster core;
    private ConnectWorkers workers;
    private ConnectRest rest;
    private PostgresServer postgres;
    private RedisServer redis;
    private S3Server s3;
    private ClickHouseServer clickhouse;
    /** Core and edge when they authorize by ACL ({@link Options#authorized}), else null. */
    private AuthorizedClusters authorized;
    private Set<String> plugins = Set.of();
    private Path pluginPath;
    /** Each stage's connector config as first created. */
    private final Map<Stage, Map<String, String>> rendered = new EnumMap<>(Stage.class);
    /** Records a test wrote straight to a topic of the pipeline ({@link #inject}), in the order written. */
    private final List<Injected> injected = java.util.Collections.synchronizedList(new ArrayList<>());

    private Pipeline(Options options) {
        this.options = options;
        this.pluginZips = pluginZips();
    }

    /** Starts everything and creates every connector; fails, naming the class, if the bundle lacks a plugin the configs use. */
    static Pipeline start(Options options) {
        Pipeline p = new Pipeline(options);
        try {
            p.startClusters();
            p.createTopics();
            p.startStages();
            return p;
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    /**
     * The plugin ZIPs for the worker: the bundle, {@code msk-connect/target/odds-update-bundle-*.zip} (every plugin in one,
     * as users upload it to MSK Connect; {@code mvn package} builds it). The system property {@code oddsupdate.plugins}
     * (comma-separated ZIP paths) replaces the ZIP of the same file name or adds to it, so a build of the bundle can be
     * tried in the whole pipeline before it lands.
     */
    static List<Path> pluginZips() {
        List<Path> overrides = new ArrayList<>();
        for (String p : System.getProperty("oddsupdate.plugins", "").split(",")) {
            if (!p.isBlank()) {
                overrides.add(Path.of(p.trim()).toAbsolutePath());
            }
        }
        List<Path> zips = new ArrayList<>();
        Path target = PluginPath.projectRoot().resolve("msk-connect/target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "odds-update-bundle-*.zip")) {
                ds.forEach(zips::add);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        zips.removeIf(z -> overrides.stream().anyMatch(o -> o.getFileName().equals(z.getFileName())));
        zips.addAll(overrides);
        if (zips.isEmpty()) {
            throw new IllegalStateException("no plugin ZIP: " + target.resolve("odds-update-bundle-*.zip")
                    + " is not built (mvn -B package -DskipTests builds it)");
        }
        return zips;
    }

    private void startClusters() {
        vendor = new EmbeddedKafkaCluster(1, brokerProps(VENDOR_MAX_BYTES));
        CpuByComponent.startIn("kafka-vendor", vendor::start);
        started.add(vendor::stop);
        java.util.Properties coreProps = ConnectClusters.brokerProps();
        coreProps.put("offsets.topic.replication.factor", Integer.toString(replication()));
        coreProps.put("transaction.state.log.replication.factor", Integer.toString(replication()));
        coreProps.put("transaction.state.log.min.isr", Integer.toString(minInsync()));
        if (options.authorized()) {
            authorized = AuthorizedClusters.start(coreProps);
            started.add(authorized);
            edge = authorized.edge().cluster();
        } else {
            edge = ConnectClusters.kafka(1);
            CpuByComponent.startIn("kafka-edge", edge::start);
            started.add(edge::stop);
        }

        pluginPath = PluginPath.fromZips(pluginZips);
        Path unpacked = pluginPath;
        started.add(() -> TempDirs.deleteRecursively(unpacked));
        Map<String, String> worker = workerProps(pluginPath);
        if (authorized != null) {
            core = authorized.core().cluster();
            worker.putAll(authorized.workerLogin(worker));
            workers = ConnectWorkers.start(options.workers(), authorized.core().scramBootstrapServers(), AuthorizedClusters.WORKER_GROUP,
                    replication(), worker, PluginPath.projectRoot().resolve("tests/target/connect-workers-authorized"));
            started.add(workers);
        } else if (options.workerProcesses()) {
            // brokers as processes too, so a test can crash one ({@link #coreBrokers()})
            core = new KafkaBrokerProcesses(options.coreBrokers(), coreProps, PluginPath.projectRoot().resolve("tests/target/kafka-brokers"));
            core.start();
            started.add(core::stop);
            workers = ConnectWorkers.start(options.workers(), core.bootstrapServers(), "connect-core", replication(), worker,
                    PluginPath.projectRoot().resolve("tests/target/connect-workers"));
            started.add(workers); // closed first by close(), like the in-process worker
        } else {
            connect = ConnectClusters.builder("core", pluginPath)
                    .numWorkers(options.workers())
                    .workerProps(worker)
                    .build();
            CpuByComponent.startIn("connect-and-core", connect::start);
            core = connect.kafka();
            rest = new ConnectRest(connect.endpointForResource(""));
        }
        plugins = loadedPlugins();
        postgres = PostgresServer.start();
        started.add(postgres);
        redis = RedisServer.start();
        started.add(redis);
        s3 = CpuByComponent.startIn("s3-store", S3Server::start);
        started.add(s3);
        s3.createBucket(BRONZE_BUCKET);
        clickhouse = ClickHouseServer.start();
        started.add(clickhouse);
        clickhouse.execute("CREATE DATABASE odds");
        clickhouse.execute(CLICKHOUSE_DDL);
    }

    /**
     * A worker's settings: the plugin path, and what the local configs rely on (config providers for the secrets file,
     * client overrides for the edge hop, exactly-once source support).
     */
    private static Map<String, String> workerProps(Path pluginPath) {
        Map<String, String> worker = ConnectClusters.workerProps(pluginPath);
        worker.putAll(new ConnectorConfigs(CONNECTOR_CONFIGS).worker(ENV, Map.of()));
        worker.put("offset.flush.interval.ms", "1000");
        return worker;
    }

    private static java.util.Properties brokerProps(int maxMessageBytes) {
        java.util.Properties props = ConnectClusters.brokerProps();
        props.put("message.max.bytes", Integer.toString(maxMessageBytes));
        props.put("replica.fetch.max.bytes", Integer.toString(maxMessageBytes));
        return props;
    }

    private void createTopics() {
        Map<String, String> large = Map.of("max.message.bytes", Integer.toString(VENDOR_MAX_BYTES));
        Map<String, String> durable = Map.of("min.insync.replicas", Integer.toString(minInsync()));
        Map<String, String> largeDurable = new HashMap<>(large);
        largeDurable.putAll(durable);
        for (String league : options.leagues()) {
            vendor.createTopic(VendorSimulator.TOPIC_PREFIX + league, VendorSimulator.PARTITIONS, 1, large);
            core().createTopic(RAW_PREFIX + league, PARTITIONS, replication(), durable);
            core().createTopic(INTERNAL_PREFIX + league, PARTITIONS, replication(), durable);
            edge.createTopic(PUBLIC_PREFIX + league, PARTITIONS);
        }
        // a dead letter is the record as received, so the DLQ takes what the vendor may send
        core().createTopic(RAW_DLQ, 1, replication(), largeDurable);
        core().createTopic(BRONZE_DLQ, 1, replication(), durable);
        core().createTopic(CLICKHOUSE_DLQ, 1, replication(), durable);
        edge.createTopic(PUBLIC_DLQ, 1);
        // The core→edge hop commits its source offsets in its transactions on the edge, in its own topic there (what a
        // deployment creates, connectors.json grants it): Connect would create it with the worker's replication factor,
        // more than the edge's one broker when core has three.
        String edgeHopOffsets = new ConnectorConfigs(CONNECTOR_CONFIGS).effective(Stage.CORE_TO_EDGE.connector, ENV, Map.of())
                .get("offsets.storage.topic");
        edge.createTopic(edgeHopOffsets, 1, 1, Map.of("cleanup.policy", "compact"));
    }

    /**
     * Makes {@code raw.events.*}, {@code odds.updates.internal.*} and {@code odds.updates.public.*} stamp each record with
     * its arrival on its cluster ({@code message.timestamp.type=LogAppendTime}; MirrorMaker would otherwise copy the
     * source's), so the tally can tell how long each hop took ({@link PipelineTally.Hop}). For the local runner only: with
     * it, {@code ClusterFaultsIT} (exactly-once sources, a broker restarted) saw duplicate {@code event_uid}s at the edge.
     */
    void stampArrivalTimes() {
        for (EmbeddedKafkaCluster cluster : List.of(core(), edge)) {
            List<String> prefixes = cluster == edge ? List.of(PUBLIC_PREFIX) : List.of(RAW_PREFIX, INTERNAL_PREFIX);
            Map<org.apache.kafka.common.config.ConfigResource, java.util.Collection<org.apache.kafka.clients.admin.AlterConfigOp>> ops = new HashMap<>();
            for (String league : options.leagues()) {
                for (String prefix : prefixes) {
                    ops.put(new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, prefix + league),
                            List.of(new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                                    "message.timestamp.type", "LogAppendTime"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)));
                }
            }
            try (org.apache.kafka.clients.admin.Admin admin = cluster.createAdminClient()) {
                admin.incrementalAlterConfigs(ops).all().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot set message.timestamp.type=LogAppendTime on " + ops.keySet(), e);
            }
        }
    }

    /** Replication factor of the pipeline's topics on core. */
    private int replication() {
        return Math.min(3, options.coreBrokers());
    }

    private int minInsync() {
        return Math.min(2, replication());
    }

    /** Every plugin class the worker loaded (connectors, transforms, converters, ...), by class name. */
    private Set<String> loadedPlugins() {
        Set<String> classes = new HashSet<>();
        rest().plugins().forEach(p -> classes.add(p.get("class").asText()));
        return classes;
    }

    // ---- connector configs -----------------------------------------------------------------------------------------

    /**
     * Creates every connector of {@code connector-configs/} as the deploy tooling renders it for {@link #ENV} (base, the
     * environment's overlays, {@code {{vars}}}), the environment's addresses replaced by this run's servers
     * ({@link #localVars()}) and {@link Options#glue} applied; then waits until each runs.
     */
    private void startStages() {
        ConnectorConfigs configs = new ConnectorConfigs(CONNECTOR_CONFIGS);
        if (authorized != null) {
            // users and ACLs first: localVars() writes their passwords into the secrets file
            configs.connectorNames().forEach(name -> authorized.grant(configs, name, AuthorizedClusters.worker(workerProps(pluginPath))));
        }
        Map<String, String> vars = localVars();
        Map<Stage, Map<String, String>> rendered = new EnumMap<>(Stage.class);
        for (String name : configs.connectorNames()) {
            Stage stage = java.util.Arrays.stream(Stage.values()).filter(s -> s.connector.equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("connector-configs/base/" + name + ".json has no Pipeline.Stage: add one"));
            Map<String, String> config = configs.effective(name, ENV, vars);
            glue(config);
            if (authorized != null) {
                authorized.authenticate(name, config, vars.get("local.provider.file"));
            }
            requirePlugins(name, config);
            rendered.put(stage, config);
        }
        this.rendered.putAll(rendered);
        rendered.forEach((stage, config) -> {
            rest().configure(stage.connector, config);
            stages.put(stage, "running");
        });
        rendered.keySet().forEach(stage -> awaitRunning(stage.connector));
    }

    /** Deletes a stage's connector (its committed offsets stay, as on MSK Connect) and waits until no worker lists it. */
    void deleteConnector(Stage stage) {
        rest().delete(stage.connector);
        stages.put(stage, "deleted");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            boolean listed = false;
            for (JsonNode name : rest().get("connectors")) {
                listed |= stage.connector.equals(name.asText());
            }
            if (!listed) {
                return;
            }
            sleep(250);
        }
        throw new IllegalStateException("connector " + stage.connector + " still listed 60 s after its deletion");
    }

    /** Creates a stage's connector again under its name, with the config it was first created with; waits until it runs. */
    void createConnector(Stage stage) {
        rest().configure(stage.connector, rendered.get(stage));
        awaitRunning(stage.connector);
        stages.put(stage, "running");
    }

    /**
     * Replaces every Connect worker (workers as processes only) by new ones of the same group whose {@code plugin.path}
     * holds {@code zips}: a new version of the bundle, as an upgrade on MSK Connect gives each connector new workers with
     * the new custom plugin. The old workers stop gracefully; the new ones read the same config, offset and status topics.
     */
    void replaceWorkers(List<Path> zips) {
        if (workers == null || authorized != null) {
            throw new IllegalStateException("replaceWorkers needs Options.withWorkerProcesses, without authorization");
        }
        Path newPluginPath = PluginPath.fromZips(zips);
        started.add(() -> TempDirs.deleteRecursively(newPluginPath));
        Map<String, String> props = workerProps(newPluginPath);
        started.remove(workers);
        workers.close();
        workers = ConnectWorkers.start(options.workers(), core.bootstrapServers(), "connect-core", replication(), props,
                PluginPath.projectRoot().resolve("tests/target/connect-workers-upgraded"));
        started.add(workers);
        pluginPath = newPluginPath;
        plugins = loadedPlugins();
    }

    /**
     * The local environment's vars that name a place, as this run has them: the three clusters, Postgres, Redis, the S3
     * store and the secrets file the local overlays read through the worker's FileConfigProvider (written here from the
     * started servers' credentials, deleted on close).
     */
    private Map<String, String> localVars() {
        Map<String, String> vars = new HashMap<>();
        vars.put("vendor.bootstrap.servers", vendor.bootstrapServers());
        vars.put("core.bootstrap.servers", authorized != null ? authorized.core().scramBootstrapServers() : core().bootstrapServers());
        vars.put("edge.bootstrap.servers", authorized != null ? authorized.edge().scramBootstrapServers() : edge.bootstrapServers());
        vars.put("postgres.url", postgres.jdbcUrl());
        vars.put("postgres.user", postgres.user());
        vars.put("redis.url", redis.url());
        vars.put("s3.endpoint", s3.endpoint().toString());
        vars.put("aws.region", S3Server.REGION);
        vars.put("bronze.bucket", BRONZE_BUCKET);
        vars.put("clickhouse.url", clickhouse.httpUrl());
        vars.put("clickhouse.user", ClickHouseServer.USER);
        vars.put("local.provider.file", writeSecrets().toString());
        return vars;
    }

    private Path writeSecrets() {
        try {
            Path dir = Files.createTempDirectory("odds-update-local-");
            started.add(() -> TempDirs.deleteRecursively(dir));
            java.util.Properties p = new java.util.Properties();
            // trust authentication: any password is accepted, but the reference must resolve
            p.setProperty("postgres.password", java.util.UUID.randomUUID().toString());
            p.setProperty("s3.access.key.id", S3Server.ACCESS_KEY);
            p.setProperty("s3.secret.access.key", S3Server.SECRET_KEY);
            p.setProperty("clickhouse.password", clickhouse.password());
            if (authorized != null) {
                authorized.secrets().forEach(p::setProperty);
            }
            Path secrets = dir.resolve("secrets.properties");
            try (var out = Files.newBufferedWriter(secrets, java.nio.charset.StandardCharsets.UTF_8)) {
                p.store(out, "odds-update local pipeline: credentials of this run's servers");
            }
            return secrets;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the local secrets file", e);
        }
    }

    /** {@link Options#glue} under every prefix that has a {@code glue.region} key (a transform's or converter's). */
    private void glue(Map<String, String> config) {
        List<String> prefixes = config.keySet().stream().filter(k -> k.endsWith("glue.region"))
                .map(k -> k.substring(0, k.length() - "glue.region".length())).toList();
        for (String prefix : prefixes) {
            options.glue().forEach((k, v) -> config.put(prefix + k, v));
        }
    }

    /** Fails, naming the class, the key and the ZIPs, unless the worker loaded every plugin class the config names. */
    private void requirePlugins(String connector, Map<String, String> config) {
        config.forEach((key, value) -> {
            boolean pluginKey = key.equals("connector.class") || key.endsWith("converter")
                    || (key.startsWith("transforms.") || key.startsWith("predicates.")) && key.endsWith(".type");
            if (pluginKey && !plugins.contains(value)) {
                throw new IllegalStateException("connector " + connector + ": " + key + "=" + value + " is not a plugin the worker loaded from "
                        + pluginZips.stream().map(z -> z.getFileName().toString()).toList()
                        + " (rebuild the bundle: mvn -B package -DskipTests; check the class's META-INF/services entry)");
            }
        });
    }

    private void awaitRunning(String connector) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String last = "no status";
        while (System.nanoTime() < deadline) {
            try {
                JsonNode s = rest().status(connector);
                String state = s.path("connector").path("state").asText();
                List<String> tasks = new ArrayList<>();
                List<String> traces = new ArrayList<>();
                boolean failed = "FAILED".equals(state);
                for (JsonNode t : s.path("tasks")) {
                    tasks.add(t.path("id").asInt() + ":" + t.path("state").asText());
                    traces.add(t.path("trace").asText(null));
                    failed |= "FAILED".equals(t.path("state").asText());
                }
                last = state + " " + tasks;
                if (failed) {
                    throw new IllegalStateException("connector " + connector + " failed: " + last + " "
                            + s.path("connector").path("trace").asText(null) + traces);
                }
                // the odds source has no task until the sink created a league stream in Redis
                if ("RUNNING".equals(state) && (!tasks.isEmpty() || connector.equals(Stage.ODDS_SOURCE.connector))) {
                    return;
                }
            } catch (RuntimeException | AssertionError notYet) {
                if (notYet instanceof IllegalStateException) {
                    throw notYet;
                }
                last = notYet.toString();
            }
            sleep(250);
        }
        throw new IllegalStateException("connector " + connector + " not running after 90 s: " + last);
    }

    // ---- access ----------------------------------------------------------------------------------------------------

    /** Each stage: "running" once its connector is. */
    Map<Stage, String> stages() {
        return stages;
    }

    boolean running(Stage stage) {
        return "running".equals(stages.get(stage));
    }

    List<Path> plugins() {
        return pluginZips;
    }

    List<String> leagues() {
        return options.leagues();
    }

    EmbeddedKafkaCluster vendor() {
        return vendor;
    }

    EmbeddedKafkaCluster core() {
        return core;
    }

    EmbeddedKafkaCluster edge() {
        return edge;
    }

    /** Core and edge as ACL-authorizing clusters, with the ACLs created; null unless {@link Options#withAuthorization}. */
    AuthorizedClusters authorized() {
        return authorized;
    }

    /** The in-process Connect cluster; null when the workers are processes ({@link #workers()}). */
    EmbeddedConnectCluster connect() {
        return connect;
    }

    /** The core cluster's brokers as processes; null unless {@link Options#withWorkerProcesses}. */
    KafkaBrokerProcesses coreBrokers() {
        return core instanceof KafkaBrokerProcesses b ? b : null;
    }

    /** The Connect workers as processes; null unless {@link Options#withWorkerProcesses}. */
    ConnectWorkers workers() {
        return workers;
    }

    /** The REST API of a Connect worker (of one alive, when the workers are processes). */
    ConnectRest rest() {
        return workers != null ? workers.rest() : rest;
    }

    RedisServer redis() {
        return redis;
    }

    /** The S3-compatible store holding bronze, or null when the bronze stage does not run. */
    S3Server s3() {
        return s3;
    }

    /** The ClickHouse server the clickhouse-sink stage writes to. */
    ClickHouseServer clickhouse() {
        return clickhouse;
    }

    PostgresServer postgres() {
        return postgres;
    }

    /**
     * Where the connectors and tasks of the running stages are, by worker id ({@code host:port}): e.g.
     * {@code vendor-to-core RUNNING} (the connector) and {@code vendor-to-core/1 RUNNING} (its task 1).
     */
    Map<String, List<String>> placement() {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (Stage stage : Stage.values()) {
            if (!running(stage)) {
                continue;
            }
            JsonNode s = rest().status(stage.connector);
            out.computeIfAbsent(s.path("connector").path("worker_id").asText(), w -> new ArrayList<>())
                    .add(stage.connector + " " + s.path("connector").path("state").asText());
            for (JsonNode t : s.path("tasks")) {
                out.computeIfAbsent(t.path("worker_id").asText(), w -> new ArrayList<>())
                        .add(stage.connector + "/" + t.path("id").asInt() + " " + t.path("state").asText());
            }
        }
        return out;
    }

    /** Every connector or task of a running stage that is not RUNNING, with its state and trace; empty when all run. */
    List<String> notRunning() {
        List<String> out = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            if (!running(stage)) {
                continue;
            }
            JsonNode s = rest().status(stage.connector);
            if (!"RUNNING".equals(s.path("connector").path("state").asText())) {
                out.add(stage.connector + " " + s.path("connector").path("state").asText() + " " + s.path("connector").path("trace").asText(""));
            }
            for (JsonNode t : s.path("tasks")) {
                if (!"RUNNING".equals(t.path("state").asText())) {
                    out.add(stage.connector + "/" + t.path("id").asInt() + " " + t.path("state").asText() + " " + t.path("trace").asText(""));
                }
            }
        }
        return out;
    }

    /**
     * Internal odds updates not yet in bronze: the records of {@code odds.updates.internal.*} at or after the bronze
     * sink's committed offsets (read committed, so transaction markers, which take an offset each when the odds source
     * runs exactly-once, and records of aborted transactions do not count). The sink commits an offset only once the
     * object holding the records before it is complete in S3, so 0 means every internal odds update is in a complete
     * bronze object. -1 when the bronze stage does not run.
     */
    long bronzeLag() {
        if (!running(Stage.BRONZE)) {
            return -1;
        }
        Map<org.apache.kafka.common.TopicPartition, Long> committed = new HashMap<>();
        for (JsonNode o : rest().offsets(Stage.BRONZE.connector).path("offsets")) {
            committed.put(new org.apache.kafka.common.TopicPartition(o.path("partition").path("kafka_topic").asText(),
                    o.path("partition").path("kafka_partition").asInt()), o.path("offset").path("kafka_offset").asLong());
        }
        Map<org.apache.kafka.common.TopicPartition, Long> behind = new HashMap<>();
        for (String league : options.leagues()) {
            for (int p = 0; p < PARTITIONS; p++) {
                org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(INTERNAL_PREFIX + league, p);
                try {
                    long end = core().endOffset(tp);
                    if (end > committed.getOrDefault(tp, 0L)) {
                        behind.put(tp, end);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("cannot read the end offset of " + tp, e);
                }
            }
        }
        if (behind.isEmpty()) {
            return 0;
        }
        long lag = 0;
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = core().createConsumer(Map.of("isolation.level", "read_committed"))) {
            c.assign(behind.keySet());
            behind.keySet().forEach(tp -> c.seek(tp, committed.getOrDefault(tp, 0L)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (behind.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
                lag += c.poll(java.time.Duration.ofMillis(200)).count();
            }
        }
        return lag;
    }

    /** Waits up to {@code timeout} for {@link #bronzeLag()} to reach 0; returns the last lag seen. */
    long awaitBronzeCommitted(java.time.Duration timeout) {
        long lag = bronzeLag();
        for (long end = System.nanoTime() + timeout.toNanos(); lag > 0 && System.nanoTime() < end; lag = bronzeLag()) {
            sleep(1000);
        }
        return lag;
    }

    /** The worker's {@code plugin.path}: the unpacked bundle. */
    Path pluginPath() {
        return pluginPath;
    }

    /**
     * A record a test wrote to a topic of the pipeline, bypassing the stages before it: {@code uid} is its
     * {@code event_uid} if it has one. A {@link PipelineTally} expects it where that topic's records go (at the edge or in
     * its DLQ, in bronze or its DLQ) instead of matching it with a vendor event.
     */
    record Injected(String topic, int valueHash, String uid) {
    }

    /**
     * Writes a record straight to {@code topic} on core (e.g. a probe or a poison record on
     * {@code odds.updates.internal.*}) and remembers it ({@link #injected()}), before it is written.
     */
    void inject(String topic, String key, byte[] value, org.apache.kafka.common.header.Headers headers) {
        Map<String, Object> fields = RecordValues.fields(value);
        Object uid = fields == null ? null : fields.get("event_uid");
        injected.add(new Injected(topic, java.util.Arrays.hashCode(value), uid == null ? null : uid.toString()));
        try (KafkaProducer<byte[], byte[]> producer = core().createProducer(Map.of())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, null,
                    key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value, headers)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    /** What tests wrote straight to the pipeline's topics so far. */
    List<Injected> injected() {
        synchronized (injected) {
            return new ArrayList<>(injected);
        }
    }

    /** A producer for the vendor's feed: accepts what the vendor's topics accept. */
    KafkaProducer<byte[], byte[]> vendorProducer() {
        Map<String, Object> props = new HashMap<>();
        props.put("max.request.size", VENDOR_MAX_BYTES);
        props.put("linger.ms", 2);
        props.put("acks", "all");
        return vendor.createProducer(props);
    }

    /** Stops everything started, in reverse order, and deletes the temporary data (best effort, never throws). */
    @Override
    public void close() {
        // the worker first: its tasks would otherwise retry against servers already gone (S3, Redis) while stopping
        if (connect != null) {
            try {
                connect.stop();
            } catch (Exception | Error e) {
                System.err.println("while stopping the Connect worker: " + e);
            }
            connect = null;
        }
        if (workers != null) {
            started.remove(workers);
            workers.close();
            workers = null;
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception | Error e) {
                System.err.println("while stopping the pipeline: " + e);
            }
        }
        started.clear();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
