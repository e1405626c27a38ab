package io.oddsupdate.connect.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * What a worker gives a sink task, for driving one in a unit test: it records seeks ({@code offset}), commit requests,
 * the last {@code timeout} asked for and dead letters with their reasons, and has an errant-record reporter unless {@link #reporter} is turned off (as
 * with {@code errors.tolerance=none}).
 */
public final class TestSinkTaskContext implements SinkTaskContext {

    public final Map<TopicPartition, Long> seeks = new HashMap<>();
    public final List<SinkRecord> deadLetters = new ArrayList<>();
    public final List<Throwable> reasons = new ArrayList<>();
    public int commitRequests;
    /** The last {@link #timeout} the task asked for; -1 if none. */
    public long lastTimeout = -1;
    public boolean reporter = true;
    private final Map<String, String> configs;

    public TestSinkTaskContext() {
        this(Map.of());
    }

    /** @param configs what {@link #configs()} returns: the task's config */
    public TestSinkTaskContext(Map<String, String> configs) {
        this.configs = configs;
    }

    @Override
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {
        seeks.putAll(offsets);
    }

    @Override
    public void offset(TopicPartition tp, long offset) {
        seeks.put(tp, offset);
    }

    @Override
    public void timeout(long timeoutMs) {
        lastTimeout = timeoutMs;
    }

    @Override
    public Set<TopicPartition> assignment() {
        return Set.of();
    }

    @Override
    public void pause(TopicPartition... partitions) {
    }

    @Override
    public void resume(TopicPartition... partitions) {
    }

    @Override
    public void requestCommit() {
        commitRequests++;
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        return !reporter ? null : (record, error) -> {
            deadLetters.add(record);
            reasons.add(error);
            return CompletableFuture.completedFuture(null);
        };
    }
}
