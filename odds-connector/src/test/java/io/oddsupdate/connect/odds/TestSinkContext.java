package io.oddsupdate.connect.odds;

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

/** What a worker gives a sink task, reduced to what the tests look at: seeks and dead letters. */
final class TestSinkContext implements SinkTaskContext {

    final Map<TopicPartition, Long> seeks = new HashMap<>();
    final List<SinkRecord> deadLetters = new ArrayList<>();
    final List<Throwable> reasons = new ArrayList<>();
    boolean reporter = true;

    @Override
    public Map<String, String> configs() {
        return Map.of();
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
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        if (!reporter) {
            return null;
        }
        return (record, error) -> {
            deadLetters.add(record);
            reasons.add(error);
            return CompletableFuture.completedFuture(null);
        };
    }
}
