package io.oddsupdate.connect.deploy;

import static io.oddsupdate.connect.deploy.Generate.obj;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A connector's MSK Connect capacity ({@code capacity} in {@code connectors.json}), checked against its
 * {@code tasks.max} so the task count the connector runs with is the one its config says.
 *
 * <p>Two modes (AWS MSK developer guide, "Understand connector capacity"):
 * <ul>
 *   <li>{@code provisioned}: a fixed number of workers; MSK Connect leaves {@code tasks.max} alone. Required for
 *   exactly-once source connectors: under KIP-618 every change of a connector's task count makes the leader fence all
 *   of the connector's transactional producers before new tasks start, so a scaling event becomes a pause.</li>
 *   <li>{@code autoscaling}: MSK Connect replaces {@code tasks.max} with workers x MCUs x 2, capped by
 *   {@code maxAutoscalingTaskCount} ("Understand maximum autoscaling task count"). The generator always sets the cap
 *   to {@code tasks.max}, which the API requires to be at least {@code maxWorkerCount}.</li>
 * </ul>
 */
final class Capacity {

    /** "ProvisionedCapacity" / "AutoScaling" in the MSK Connect API reference: mcuCount is 1, 2, 4 or 8. */
    static final Set<Integer> MCU_COUNTS = Set.of(1, 2, 4, 8);
    /** "Understand maximum autoscaling task count": without a cap, tasks = workers x MCUs x tasksPerMcu, tasksPerMcu 2. */
    static final int TASKS_PER_MCU = 2;
    static final int SCALE_IN_CPU_PERCENT = 20;
    static final int SCALE_OUT_CPU_PERCENT = 80;

    final String connector;
    final boolean provisioned;
    final int mcuCount;
    final int workerCount;
    final int minWorkerCount;
    final int maxWorkerCount;
    final int tasksMax;
    private final int runningTasks;

    private Capacity(String connector, boolean provisioned, int mcuCount, int workerCount, int minWorkerCount, int maxWorkerCount,
                     int tasksMax, int runningTasks) {
        this.connector = connector;
        this.provisioned = provisioned;
        this.mcuCount = mcuCount;
        this.workerCount = workerCount;
        this.minWorkerCount = minWorkerCount;
        this.maxWorkerCount = maxWorkerCount;
        this.tasksMax = tasksMax;
        this.runningTasks = runningTasks;
    }

    /**
     * @param declared the connector's {@code capacity} in connectors.json
     * @param config   its effective config ({@code tasks.max}, {@code exactly.once.support})
     * @throws IllegalArgumentException naming the connector and the key when the capacity breaks a rule
     */
    static Capacity of(String connector, JsonNode declared, Map<String, String> config) {
        String where = "connectors.json " + connector + ".capacity";
        int tasksMax = positive(connector + " tasks.max", config.get("tasks.max"));
        JsonNode p = declared.path("provisioned");
        JsonNode a = declared.path("autoscaling");
        if (p.isMissingNode() == a.isMissingNode()) {
            throw new IllegalArgumentException(where + " must have exactly one of \"provisioned\" and \"autoscaling\"");
        }
        Capacity c;
        if (!p.isMissingNode()) {
            int workers = positive(where + ".provisioned.workerCount", p.path("workerCount").asText(null));
            int mcu = mcu(where + ".provisioned.mcuCount", p);
            if (workers > tasksMax) {
                throw new IllegalArgumentException(where + ".provisioned.workerCount " + workers + " is more than tasks.max "
                        + tasksMax + ": the extra workers would run no task");
            }
            c = new Capacity(connector, true, mcu, workers, workers, workers, tasksMax, tasksMax);
        } else {
            if (config.containsKey("exactly.once.support")) {
                throw new IllegalArgumentException(where + ": " + connector + " is an exactly-once source (exactly.once.support): "
                        + "its task count must not change with scaling, use \"provisioned\"");
            }
            int min = positive(where + ".autoscaling.minWorkerCount", a.path("minWorkerCount").asText(null));
            int max = positive(where + ".autoscaling.maxWorkerCount", a.path("maxWorkerCount").asText(null));
            int mcu = mcu(where + ".autoscaling.mcuCount", a);
            if (min > max) {
                throw new IllegalArgumentException(where + ".autoscaling.minWorkerCount " + min + " is more than maxWorkerCount " + max);
            }
            if (tasksMax < max) {
                throw new IllegalArgumentException(where + ".autoscaling.maxWorkerCount " + max + " is more than tasks.max " + tasksMax
                        + ": maxAutoscalingTaskCount (set to tasks.max) must be at least maxWorkerCount");
            }
            c = new Capacity(connector, false, mcu, min, min, max, tasksMax, Math.min(min * mcu * TASKS_PER_MCU, tasksMax));
        }
        JsonNode override = declared.path("runningTasks");
        if (!override.isMissingNode()) {
            int n = positive(where + ".runningTasks", override.asText());
            if (n > c.runningTasks) {
                throw new IllegalArgumentException(where + ".runningTasks " + n + " is more than the " + c.runningTasks + " tasks it can run");
            }
            return new Capacity(connector, c.provisioned, c.mcuCount, c.workerCount, c.minWorkerCount, c.maxWorkerCount, c.tasksMax, n);
        }
        return c;
    }

    /**
     * The fewest tasks the connector runs when healthy: {@code tasks.max} when provisioned, the task count at
     * {@code minWorkerCount} when autoscaled; lower only where connectors.json says why ({@code runningTasks}).
     * The {@code RunningTaskCount} alarm fires below it.
     */
    int minimumRunningTasks() {
        return runningTasks;
    }

    /** The {@code capacity} of a CreateConnector request (MSK Connect API: Capacity, ProvisionedCapacity, AutoScaling). */
    Map<String, Object> createConnectorCapacity() {
        if (provisioned) {
            return obj("provisionedCapacity", obj("mcuCount", mcuCount, "workerCount", workerCount));
        }
        return obj("autoScaling", obj("mcuCount", mcuCount, "minWorkerCount", minWorkerCount, "maxWorkerCount", maxWorkerCount,
                "maxAutoscalingTaskCount", tasksMax,
                "scaleInPolicy", obj("cpuUtilizationPercentage", SCALE_IN_CPU_PERCENT),
                "scaleOutPolicy", obj("cpuUtilizationPercentage", SCALE_OUT_CPU_PERCENT)));
    }

    /**
     * {@code spec.forProvider.capacity} of a {@code kafkaconnect.aws.upbound.io/v1beta2} Connector: objects, not
     * one-element lists, in v1beta2. That schema has no {@code maxAutoscalingTaskCount}, so an autoscaled connector
     * would silently run workers x MCUs x 2 tasks: refused.
     */
    Map<String, Object> crossplaneCapacity() {
        if (!provisioned) {
            throw new IllegalArgumentException("connectors.json " + connector + ".capacity: the Crossplane provider's v1beta2 Connector "
                    + "has no maxAutoscalingTaskCount, so autoscaling would replace tasks.max " + tasksMax + "; use \"provisioned\"");
        }
        return obj("provisionedCapacity", obj("mcuCount", mcuCount, "workerCount", workerCount));
    }

    /** One line for the docs and the upgrade plan. */
    String describe() {
        return provisioned
                ? String.format("provisioned: %d worker(s) x %d MCU, %d task(s)", workerCount, mcuCount, tasksMax)
                : String.format("autoscaled: %d-%d worker(s) x %d MCU, %d-%d task(s) (maxAutoscalingTaskCount %d)",
                        minWorkerCount, maxWorkerCount, mcuCount, runningTasks, tasksMax, tasksMax);
    }

    private static int mcu(String where, JsonNode n) {
        int mcu = positive(where, n.path("mcuCount").asText(null));
        if (!MCU_COUNTS.contains(mcu)) {
            throw new IllegalArgumentException(where + " " + mcu + " is not one of " + List.of(1, 2, 4, 8));
        }
        return mcu;
    }

    private static int positive(String where, String value) {
        try {
            int n = Integer.parseInt(value == null ? "" : value.strip());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + " must be a positive integer, not " + value);
    }
}
