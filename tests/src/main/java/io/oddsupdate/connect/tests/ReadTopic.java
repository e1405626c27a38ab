package io.oddsupdate.connect.tests;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prints a topic of the local pipeline as JSON lines, one a record: topic, partition, offset, timestamp, key, headers and
 * the value decoded ({@link RecordValues}: JSON as it is, Glue-Avro with its writer schema from the repo's
 * {@code schemas/}). What {@code ./run-local.sh --keep-running} suggests for a look at the edge:
 *
 * <pre>
 * java -cp "tests/target/classes:$(cat tests/target/runner-classpath.txt)" io.oddsupdate.connect.tests.ReadTopic \
 *     --bootstrap-server=127.0.0.1:PORT --topic=odds.updates.public.nba --max=5
 * </pre>
 */
@Command(name = "ReadTopic", sortOptions = false,
        description = "Prints a topic's records as JSON lines, Glue-Avro values decoded with the repo's schemas/.")
public final class ReadTopic implements Callable<Integer> {

    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT", description = "the cluster (run-local.sh --keep-running prints them)")
    private String bootstrap;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "e.g. odds.updates.public.nba")
    private String topic;

    @Option(names = "--max", paramLabel = "N", description = "stop after N records (default: ${DEFAULT-VALUE})")
    private int max = 10;

    @Option(names = "--from-end", description = "only records written from now on (default: from the beginning)")
    private boolean fromEnd;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "stop when no record came for this long (default: ${DEFAULT-VALUE})")
    private int timeoutS = 10;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
    private boolean help;

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new ReadTopic());
        cl.setParameterExceptionHandler((e, a) -> {
            System.err.println("ReadTopic: " + e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip());
            e.getCommandLine().usage(System.err);
            return LocalPipelineOptions.USAGE;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        props.put("max.partition.fetch.bytes", Integer.toString(Pipeline.VENDOR_MAX_BYTES));
        int printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15));
            if (partitions == null || partitions.isEmpty()) {
                System.err.println("ReadTopic: no topic " + topic + " on " + bootstrap);
                return 1;
            }
            List<TopicPartition> tps = new ArrayList<>();
            partitions.forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
            consumer.assign(tps);
            if (fromEnd) {
                consumer.seekToEnd(tps);
            } else {
                consumer.seekToBeginning(tps);
            }
            long quietSince = System.nanoTime();
            while (printed < max && System.nanoTime() - quietSince < Duration.ofSeconds(timeoutS).toNanos()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (printed++ >= max) {
                        break;
                    }
                    System.out.println(JSON.writeValueAsString(render(r)));
                    quietSince = System.nanoTime();
                }
            }
        }
        if (printed == 0) {
            System.err.println("ReadTopic: no record on " + topic + " within " + timeoutS + " s");
        }
        return 0;
    }

    private static ObjectNode render(ConsumerRecord<byte[], byte[]> r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("topic", r.topic());
        o.put("partition", r.partition());
        o.put("offset", r.offset());
        o.put("timestamp", r.timestamp());
        o.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        ObjectNode headers = o.putObject("headers");
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        var value = r.value() == null ? null : RecordValues.json(r.value());
        if (value != null) {
            o.put("format", RecordValues.isGlueAvro(r.value()) ? "glue-avro" : "json");
            o.set("value", value);
        } else {
            o.put("format", r.value() == null ? "null" : "bytes");
            o.put("value", r.value() == null ? null : abbreviate(new String(r.value(), StandardCharsets.UTF_8)));
        }
        return o;
    }

    private static String abbreviate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500) + "…(" + s.length() + " chars)";
    }
}
