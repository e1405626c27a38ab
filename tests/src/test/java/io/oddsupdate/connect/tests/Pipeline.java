package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;
import io.oddsupdate.connect.testkit.servers.PostgresServer;
import io.oddsupdate.connect.testkit.servers.RedisServer;
import io.oddsupdate.connect.testkit.servers.S3Server;

/**
 * The whole odds pipeline on loopback, shared by the local runner ({@link LocalPipeline}) and the end-to-end tests:
 * three Kafka clusters (vendor, core, edge), a distributed Connect worker on core whose {@code plugin.path} holds our
 * packaged plugin ZIPs, PostgreSQL and Redis with the odds connector's reference data, an S3-compatible store for bronze,
 * the pipeline's topics, and the
 * connectors of every stage whose plugins are present.
 *
 * <p>Each {@link Stage} runs only if the classes it needs are loaded by the worker (asked through its REST API), so the
 * pipeline is useful while plugins are still being built: {@link #stages()} says which ran and why the others did not.
 * The one worker runs both MirrorMaker hops; the core→edge hop writes to the edge through a producer override (on MSK
 * Connect it is a connector of a cluster bound to the edge).
 */
final class Pipeline implements AutoCloseable {

    static final String RAW_DLQ = "raw.events.dlq";
    static final String PUBLIC_DLQ = "odds.updates.public.dlq";
    static final String BRONZE_DLQ = "odds.updates.bronze.dlq";
    static final String BRONZE_BUCKET = "bronze";
    static final String RAW_PREFIX = "raw.events.";
    static final String INTERNAL_PREFIX = "odds.updates.internal.";
    static final String PUBLIC_PREFIX = "odds.updates.public.";
    static final int PARTITIONS = 3;
    /** The vendor accepts records up to this size; core keeps Kafka's 1 MB default, so larger ones must be dead-lettered. */
    static final int VENDOR_MAX_BYTES = 4 * 1024 * 1024;

    static final String MIRROR_SOURCE = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
    static final String CANONICAL_KEY = "io.oddsupdate.connect.smt.CanonicalKey";
    static final String INJECT_HEADERS = "io.oddsupdate.connect.smt.InjectHeaders";
    static final String SANITIZE = "io.oddsupdate.connect.smt.Sanitize";
    static final String ODDS_SINK = "io.oddsupdate.connect.odds.OddsSinkConnector";
    static final String ODDS_SOURCE = "io.oddsupdate.connect.odds.OddsSourceConnector";
    static final String ENFORCE_SCHEMA = "io.oddsupdate.connect.smt.EnforceSchema";
    static final String GLUE_AVRO_CONVERTER = "io.oddsupdate.connect.common.glue.GlueAvroConverter";
    static final String S3_SINK = "io.oddsupdate.connect.s3.S3ParquetSinkConnector";
    static final String TOPIC_MAPPING_POLICY = "io.oddsupdate.connect.mirror.TopicMappingReplicationPolicy";
    /**
     * MirrorSourceConnector as loaded from the mirror-policies plugin. The policy must be loaded by the connector's own
     * class loader: the worker's class-path MirrorSourceConnector cannot see a policy that is only on plugin.path.
     */
    static final String TOPIC_MAPPING_MIRROR_SOURCE = "io.oddsupdate.connect.mirror.TopicMappingMirrorSourceConnector";

    /** The pipeline's stages, in data order. */
    enum Stage {
        VENDOR_TO_CORE("vendor-to-core", "MirrorSourceConnector vendor→core with [EnforceSchema,] CanonicalKey, InjectHeaders (smt plugin)"),
        ODDS_SINK("odds-sink", "OddsSinkConnector raw.events.* → Postgres reference data + Redis (odds-connector plugin)"),
        ODDS_SOURCE("odds-source", "OddsSourceConnector Redis streams → odds.updates.internal.* (odds-connector plugin)"),
        CORE_TO_EDGE("core-to-edge", "MirrorSourceConnector core→edge with Sanitize[, EnforceSchema] (smt plugin)"),
        BRONZE("bronze-s3-sink", "S3ParquetSinkConnector odds.updates.internal.* → s3://bronze/ Parquet (s3-sink-ext plugin)");

        final String connector;
        final String description;


        Stage(String connector, String description) {
            this.connector = connector;
            this.description = description;
        }
    }

    /**
     * What to run. {@code glue}: settings of a Glue Schema Registry ({@code glue.region}, {@code glue.endpoint},
     * {@code glue.registry.name}, ...) for EnforceSchema and the converter; empty: the local registry (repo schema files).
     */
    record Options(List<String> leagues, int workers, Map<String, String> glue) {
        static Options defaults(List<String> leagues) {
            return new Options(leagues, 1, Map.of());
        }

        Options withGlue(Map<String, String> settings) {
            return new Options(leagues, workers, settings);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final Map<Stage, String> stages = new EnumMap<>(Stage.class);
    private final List<Path> pluginZips;
    private EmbeddedKafkaCluster vendor;
    private EmbeddedKafkaCluster edge;
    private EmbeddedConnectCluster connect;
    private PostgresServer postgres;
    private RedisServer redis;
    private S3Server s3;
    private Set<String> plugins = Set.of();

    private Pipeline(Options options) {
        this.options = options;
        this.pluginZips = pluginZips();
    }

    /** Starts everything and creates the connectors of every stage whose plugins the worker loaded. */
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
     * The plugin ZIPs for the worker: the bundle ({@code msk-connect/target/odds-update-bundle-*.zip}, every plugin in
     * one, as users upload it to MSK Connect) when it was built, else each plugin module's packaged ZIP
     * ({@code <module>/target/*-plugin.zip}; a module not yet packaged is skipped). The system property
     * {@code oddsupdate.plugins} (comma-separated ZIP paths) replaces the ZIPs of the same file name, so a plugin can be
     * tried in the whole pipeline before it lands; {@code oddsupdate.plugins.bundle=false} ignores the bundle.
     */
    static List<Path> pluginZips() {
        List<Path> zips = new ArrayList<>();
        List<Path> overrides = new ArrayList<>();
        for (String p : System.getProperty("oddsupdate.plugins", "").split(",")) {
            if (!p.isBlank()) {
                overrides.add(Path.of(p.trim()).toAbsolutePath());
            }
        }
        if (Boolean.parseBoolean(System.getProperty("oddsupdate.plugins.bundle", "true"))) {
            zips.addAll(zipsIn("msk-connect", "odds-update-bundle-*.zip"));
        }
        if (zips.isEmpty()) {
            for (String module : List.of("smt", "mirror-policies", "odds-connector", "s3-sink-ext")) {
                zips.addAll(zipsIn(module, "*-plugin.zip"));
            }
        }
        zips.removeIf(z -> overrides.stream().anyMatch(o -> o.getFileName().equals(z.getFileName())));
        zips.addAll(overrides);
        return zips;
    }

    private static List<Path> zipsIn(String module, String glob) {
        List<Path> zips = new ArrayList<>();
        Path target = PluginPath.projectRoot().resolve(module).resolve("target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, glob)) {
                ds.forEach(zips::add);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return zips;
    }

    /** Whether the worker runs the bundle ZIP (one plugin, one class loader for every plugin class). */
    boolean bundle() {
        return pluginZips.stream().anyMatch(z -> z.getFileName().toString().startsWith("odds-update-bundle-"));
    }

    private void startClusters() {
        vendor = new EmbeddedKafkaCluster(1, brokerProps(VENDOR_MAX_BYTES));
        vendor.start();
        started.add(vendor::stop);
        edge = ConnectClusters.kafka(1);
        edge.start();
        started.add(edge::stop);

        Path pluginPath = PluginPath.fromZips(pluginZips);
        started.add(() -> TempDirs.deleteRecursively(pluginPath));
        Map<String, String> worker = ConnectClusters.workerProps(pluginPath);
        // the core→edge hop produces to the edge cluster: allow the connector's producer.override.bootstrap.servers
        worker.put("connector.client.config.override.policy", "All");
        worker.put("offset.flush.interval.ms", "1000");
        connect = ConnectClusters.builder("core", pluginPath)
                .numWorkers(options.workers())
                .workerProps(worker)
                .build();
        connect.start();
        plugins = loadedPlugins();
        if (plugins.contains(ODDS_SINK) || plugins.contains(ODDS_SOURCE)) {
            postgres = PostgresServer.start();
            started.add(postgres);
            redis = RedisServer.start();
            started.add(redis);
        }
        if (plugins.contains(S3_SINK)) {
            s3 = S3Server.start();
            started.add(s3);
            s3.createBucket(BRONZE_BUCKET);
        }
    }

    private static java.util.Properties brokerProps(int maxMessageBytes) {
        java.util.Properties props = ConnectClusters.brokerProps();
        props.put("message.max.bytes", Integer.toString(maxMessageBytes));
        props.put("replica.fetch.max.bytes", Integer.toString(maxMessageBytes));
        return props;
    }

    private void createTopics() {
        Map<String, String> large = Map.of("max.message.bytes", Integer.toString(VENDOR_MAX_BYTES));
        for (String league : options.leagues()) {
            vendor.createTopic(VendorSimulator.TOPIC_PREFIX + league, VendorSimulator.PARTITIONS, 1, large);
            core().createTopic(RAW_PREFIX + league, PARTITIONS);
            core().createTopic(INTERNAL_PREFIX + league, PARTITIONS);
            edge.createTopic(PUBLIC_PREFIX + league, PARTITIONS);
        }
        // a dead letter is the record as received, so the DLQ takes what the vendor may send
        core().createTopic(RAW_DLQ, 1, 1, large);
        core().createTopic(BRONZE_DLQ, 1);
        edge.createTopic(PUBLIC_DLQ, 1);
    }

    /** Every plugin class the worker loaded (connectors, transforms, converters, ...), by class name. */
    private Set<String> loadedPlugins() {
        try {
            JsonNode list = JSON.readTree(connect.executeGet(connect.endpointForResource("connector-plugins?connectorsOnly=false")));
            Set<String> classes = new HashSet<>();
            list.forEach(p -> classes.add(p.get("class").asText()));
            return classes;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void startStages() {
        Map<Stage, String> missing = new LinkedHashMap<>();
        need(missing, Stage.VENDOR_TO_CORE, CANONICAL_KEY, INJECT_HEADERS);
        need(missing, Stage.ODDS_SINK, ODDS_SINK);
        need(missing, Stage.ODDS_SOURCE, ODDS_SOURCE);
        need(missing, Stage.CORE_TO_EDGE, SANITIZE);
        need(missing, Stage.BRONZE, S3_SINK);
        for (Stage stage : Stage.values()) {
            if (missing.containsKey(stage)) {
                stages.put(stage, "skipped: " + missing.get(stage) + " not on plugin.path " + pluginZips.stream().map(z -> z.getFileName().toString()).toList());
                continue;
            }
            Map<String, String> config = switch (stage) {
                case VENDOR_TO_CORE -> vendorToCore();
                case ODDS_SINK -> oddsSink();
                case ODDS_SOURCE -> oddsSource();
                case CORE_TO_EDGE -> coreToEdge();
                case BRONZE -> bronze();
            };
            connect.configureConnector(stage.connector, config);
            stages.put(stage, "running");
        }
        for (Stage stage : stages.keySet()) {
            if ("running".equals(stages.get(stage))) {
                awaitRunning(stage.connector);
            }
        }
    }

    /**
     * Whether records are Glue-Avro on core and edge: EnforceSchema on both hops and the Glue-Avro converter on the
     * Struct connectors, with the local registry (the repo's schema files) unless {@link Options#glue} is set.
     */
    boolean glueAvro() {
        return plugins.contains(ENFORCE_SCHEMA) && plugins.contains(GLUE_AVRO_CONVERTER);
    }

    /** Puts the registry settings of a transform or converter (prefix ends with '.') when a Glue registry is configured. */
    private void registry(Map<String, String> c, String prefix) {
        options.glue().forEach((k, v) -> c.put(prefix + k, v));
    }

    /**
     * Whether {@code odds.updates.internal.*} is Glue-Avro too: only with the bundle. The s3-sink-ext plugin ZIP ships
     * common without the Glue serde, so GlueAvroConverter loaded for the bronze sink from it fails with
     * NoClassDefFoundError (AWSSchemaRegistryException), even with the local registry. With the per-plugin ZIPs internal
     * updates are schemaless JSON, and the edge hop's EnforceSchema turns them into public Glue-Avro.
     */
    boolean internalGlueAvro() {
        return glueAvro() && bundle();
    }

    /** The value converter of a connector that reads or writes Structs: Glue-Avro (writing {@code schema}), else JSON. */
    private void structValues(Map<String, String> c, String schema, boolean glue) {
        if (glue && glueAvro()) {
            c.put("value.converter", GLUE_AVRO_CONVERTER);
            if (schema != null) {
                c.put("value.converter.schema", schema);
            }
            registry(c, "value.converter.");
        } else {
            c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
            c.put("value.converter.schemas.enable", "false");
        }
    }

    /** EnforceSchema as the first transform of a hop, when the pipeline writes Glue-Avro. */
    private void enforce(Map<String, String> c, List<String> transforms, int position, String schema, String dlq) {
        if (!glueAvro()) {
            return;
        }
        transforms.add(position, "enforce");
        c.put("transforms.enforce.type", ENFORCE_SCHEMA);
        c.put("transforms.enforce.transform.alias", "enforce");
        c.put("transforms.enforce.schema", schema);
        c.put("transforms.enforce.dlq.topic", dlq);
        c.put("transforms.enforce.header.format", "bytes");
        registry(c, "transforms.enforce.");
    }

    private void need(Map<Stage, String> missing, Stage stage, String... classes) {
        for (String c : classes) {
            if (!plugins.contains(c)) {
                missing.put(stage, c);
                return;
            }
        }
    }

    private void awaitRunning(String connector) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String last = "no status";
        while (System.nanoTime() < deadline) {
            try {
                ConnectorStateInfo s = connect.connectorStatus(connector);
                last = s.connector().state() + " " + s.tasks().stream().map(t -> t.id() + ":" + t.state()).toList();
                if ("FAILED".equals(s.connector().state()) || s.tasks().stream().anyMatch(t -> "FAILED".equals(t.state()))) {
                    throw new IllegalStateException("connector " + connector + " failed: " + last + " "
                            + s.connector().trace() + s.tasks().stream().map(ConnectorStateInfo.TaskState::trace).toList());
                }
                // the odds source has no task until the sink created a league stream in Redis
                if ("RUNNING".equals(s.connector().state()) && (!s.tasks().isEmpty() || connector.equals(Stage.ODDS_SOURCE.connector))) {
                    return;
                }
            } catch (RuntimeException notYet) {
                if (notYet instanceof IllegalStateException) {
                    throw notYet;
                }
                last = notYet.toString();
            }
            sleep(250);
        }
        throw new IllegalStateException("connector " + connector + " not running after 90 s: " + last);
    }

    // ---- connector configs -----------------------------------------------------------------------------------------
    // TEMPORARY: built here until connector-configs/ (issue 7) ships base + local overlay; then read from there.

    private Map<String, String> mirror(String name, String source, EmbeddedKafkaCluster from, String target, EmbeddedKafkaCluster to,
                                       String topics) {
        Map<String, String> c = new LinkedHashMap<>(ConnectClusters.mirrorSource(from, to, topics));
        c.put("name", name);
        if (plugins.contains(TOPIC_MAPPING_MIRROR_SOURCE)) {
            c.put("connector.class", TOPIC_MAPPING_MIRROR_SOURCE);
        }
        c.put("tasks.max", "2");
        c.put("source.cluster.alias", source);
        c.put("target.cluster.alias", target);
        c.put("refresh.topics.interval.seconds", "5");
        c.put("producer.override.linger.ms", "5");
        return c;
    }

    /**
     * The policy maps the names; until the mirror-policies plugin ships a MirrorSourceConnector that can load it,
     * identity plus a RegexRouter (the seed's way) stands in.
     */
    private void mapTopics(Map<String, String> c, List<String> transforms, String fromRegex, String to) {
        if (plugins.contains(TOPIC_MAPPING_MIRROR_SOURCE)) {
            c.put("replication.policy.class", TOPIC_MAPPING_POLICY);
        } else {
            c.put("replication.policy.class", "org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
            // first, so the transforms see the target topic, as they do with the policy (EnforceSchema's registry
            // schema name is ${topic}: before the rename, the edge hop would register the public schema under the
            // internal topic's name, where the internal schema is, and fail the compatibility check)
            transforms.add(0, "rename");
            c.put("transforms.rename.type", "org.apache.kafka.connect.transforms.RegexRouter");
            c.put("transforms.rename.regex", fromRegex);
            c.put("transforms.rename.replacement", to);
        }
    }

    private Map<String, String> vendorToCore() {
        Map<String, String> c = mirror(Stage.VENDOR_TO_CORE.connector, "vendor", vendor, "core", core(), "vendor\\.raw\\.events\\..*");
        // an oversized vendor record is dead-lettered whole: the producer must be able to send it to raw.events.dlq
        c.put("producer.override.max.request.size", Integer.toString(VENDOR_MAX_BYTES));
        List<String> transforms = new ArrayList<>(List.of("key", "headers"));
        c.put("transforms.key.type", CANONICAL_KEY);
        c.put("transforms.key.transform.alias", "key");
        c.put("transforms.key.dlq.topic", RAW_DLQ);
        c.put("transforms.key.header.format", "bytes");
        c.put("transforms.headers.type", INJECT_HEADERS);
        c.put("transforms.headers.transform.alias", "headers");
        c.put("transforms.headers.header.format", "bytes");
        c.put("transforms.headers.required.headers", "league,game_id,event_id");
        c.put("transforms.headers.dlq.topic", RAW_DLQ);
        // first, so a record that does not fit raw-event/v1 is dead-lettered with the field that does not fit
        enforce(c, transforms, 0, "raw-event/v1", RAW_DLQ);
        mapTopics(c, transforms, "vendor\\.raw\\.events\\.(.*)", "raw.events.$1");
        c.put("transforms", String.join(",", transforms));
        return c;
    }

    private Map<String, String> coreToEdge() {
        Map<String, String> c = mirror(Stage.CORE_TO_EDGE.connector, "core", core(), "edge", edge, "odds\\.updates\\.internal\\..*");
        c.put("producer.override.bootstrap.servers", edge.bootstrapServers());
        List<String> transforms = new ArrayList<>(List.of("sanitize"));
        c.put("transforms.sanitize.type", SANITIZE);
        c.put("transforms.sanitize.transform.alias", "sanitize");
        c.put("transforms.sanitize.public.schema", "classpath:schemas/odds-update-public/v1.avsc");
        c.put("transforms.sanitize.dlq.topic", PUBLIC_DLQ);
        c.put("transforms.sanitize.header.format", "bytes");
        // after Sanitize: encode what is left with the public schema
        enforce(c, transforms, 1, "odds-update-public/v1", PUBLIC_DLQ);
        mapTopics(c, transforms, "odds\\.updates\\.internal\\.(.*)", "odds.updates.public.$1");
        c.put("transforms", String.join(",", transforms));
        return c;
    }

    private Map<String, String> oddsSink() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", Stage.ODDS_SINK.connector);
        c.put("connector.class", ODDS_SINK);
        c.put("tasks.max", "1");
        c.put("topics.regex", "raw\\.events\\.(?!dlq$).+");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        if (glueAvro()) {
            structValues(c, null, true);
        } else {
            c.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        }
        c.put("postgres.url", postgres.jdbcUrl());
        c.put("postgres.user", postgres.user());
        c.put("postgres.sslmode", "disable");
        c.put("postgres.migrations", "schema_and_seed");
        c.put("redis.url", redis.url());
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", RAW_DLQ);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.put("consumer.override.auto.offset.reset", "earliest");
        return c;
    }

    private Map<String, String> bronze() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", Stage.BRONZE.connector);
        c.put("connector.class", S3_SINK);
        c.put("tasks.max", "1");
        c.put("topics.regex", "odds\\.updates\\.internal\\..*");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        structValues(c, null, internalGlueAvro());
        c.put("s3.bucket", BRONZE_BUCKET);
        c.put("s3.region", S3Server.REGION);
        c.put("s3.endpoint", s3.endpoint().toString());
        c.put("s3.path.style.access", "true");
        c.put("s3.access.key.id", S3Server.ACCESS_KEY);
        c.put("s3.secret.access.key", S3Server.SECRET_KEY);
        // small files often, so a local run shows bronze filling up
        c.put("flush.size", "1000");
        c.put("rotate.schedule.interval.ms", "5000");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", BRONZE_DLQ);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.put("consumer.override.auto.offset.reset", "earliest");
        return c;
    }

    private Map<String, String> oddsSource() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", Stage.ODDS_SOURCE.connector);
        c.put("connector.class", ODDS_SOURCE);
        c.put("tasks.max", "1");
        c.put("redis.url", redis.url());
        c.put("leagues.discovery.interval.ms", "1000");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        structValues(c, "odds-update-internal/v2", internalGlueAvro());
        return c;
    }

    // ---- access ----------------------------------------------------------------------------------------------------

    /** Each stage: "running", or why it was skipped. */
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
        return connect.kafka();
    }

    EmbeddedKafkaCluster edge() {
        return edge;
    }

    EmbeddedConnectCluster connect() {
        return connect;
    }

    RedisServer redis() {
        return redis;
    }

    /** The S3-compatible store holding bronze, or null when the bronze stage does not run. */
    S3Server s3() {
        return s3;
    }

    PostgresServer postgres() {
        return postgres;
    }

    /**
     * Internal odds updates not yet in bronze: the end offsets of {@code odds.updates.internal.*} minus the bronze sink's
     * committed offsets. The sink commits an offset only once the object holding the records before it is complete in
     * S3, so 0 means every internal odds update is in a complete bronze object. -1 when the bronze stage does not run.
     */
    long bronzeLag() {
        if (!running(Stage.BRONZE)) {
            return -1;
        }
        Map<org.apache.kafka.common.TopicPartition, Long> committed = new HashMap<>();
        for (org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset o : connect.connectorOffsets(Stage.BRONZE.connector).offsets()) {
            committed.put(new org.apache.kafka.common.TopicPartition((String) o.partition().get("kafka_topic"),
                    ((Number) o.partition().get("kafka_partition")).intValue()), ((Number) o.offset().get("kafka_offset")).longValue());
        }
        long lag = 0;
        for (String league : options.leagues()) {
            for (int p = 0; p < PARTITIONS; p++) {
                org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(INTERNAL_PREFIX + league, p);
                try {
                    lag += core().endOffset(tp) - committed.getOrDefault(tp, 0L);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot read the end offset of " + tp, e);
                }
            }
        }
        return lag;
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
