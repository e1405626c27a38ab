package io.oddsupdate.connect.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class SignalsTest {

    static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    static Object attribute(String name, String attribute) throws Exception {
        return JMX.getAttribute(new ObjectName(name), attribute);
    }

    @Test
    void countersAreMBeansTaggedWithConnectorTaskAndTag() throws Exception {
        try (Signals s = new Signals("odds-sink", "odds-sink", "0", 0, Time.SYSTEM)) {
            Signals.Counters dead = s.counters(Signals.DEAD_LETTERS, Signals.REASON_TAG, "records dead-lettered");
            dead.get("unknown-game").increment();
            dead.get("unknown-game").increment();
            dead.get("tombstone").add(3);
            assertEquals(2.0, attribute("io.oddsupdate.connect:type=odds-sink,connector=odds-sink,task=0,reason=unknown-game", "dead-letters-total"));
            assertEquals(3.0, attribute("io.oddsupdate.connect:type=odds-sink,connector=odds-sink,task=0,reason=tombstone", "dead-letters-total"));
        }
    }

    @Test
    void twoConnectorsInOneWorkerCountApart() throws Exception {
        try (Signals a = new Signals("s3-sink", "bronze-a", "0", 0, Time.SYSTEM);
             Signals b = new Signals("s3-sink", "bronze-b", "0", 0, Time.SYSTEM)) {
            a.counter(Signals.OBJECTS_COMMITTED, "objects").increment();
            Signals.Counter bc = b.counter(Signals.OBJECTS_COMMITTED, "objects");
            bc.add(5);
            assertEquals(1.0, attribute("io.oddsupdate.connect:type=s3-sink,connector=bronze-a,task=0", "objects-committed-total"));
            assertEquals(5.0, attribute("io.oddsupdate.connect:type=s3-sink,connector=bronze-b,task=0", "objects-committed-total"));
            a.close(); // one connector stopping leaves the other's MBeans alone
            assertFalse(JMX.isRegistered(new ObjectName("io.oddsupdate.connect:type=s3-sink,connector=bronze-a,task=0")));
            assertEquals(5.0, attribute("io.oddsupdate.connect:type=s3-sink,connector=bronze-b,task=0", "objects-committed-total"));
        }
    }

    @Test
    void closeUnregistersEveryMBean() throws Exception {
        Signals s = new Signals("clickhouse-sink", "ch", "3", 0, Time.SYSTEM);
        s.counters(Signals.DEAD_LETTERS, Signals.REASON_TAG, "d").get("rejected").increment();
        s.latency(Signals.LATENCY_MS, "l").record(12);
        ObjectName all = new ObjectName("io.oddsupdate.connect:connector=ch,*");
        assertEquals(3, JMX.queryNames(all, null).size(), JMX.queryNames(all, null).toString()); // reason, latency, metric count
        s.close();
        assertTrue(JMX.queryNames(all, null).isEmpty(), JMX.queryNames(all, null).toString());
    }

    @Test
    void reportGivesEachIntervalsIncreaseAndLatencyMaximum() {
        try (Signals s = new Signals("clickhouse-sink", "ch", "1", 0, Time.SYSTEM)) {
            Signals.Counter rows = s.counter(Signals.ROWS_INSERTED, "rows");
            Signals.Latency latency = s.latency(Signals.LATENCY_MS, "latency");
            rows.add(10);
            latency.record(40);
            latency.record(900);
            latency.record(70);
            assertEquals(List.of("ODDSUPDATE_SIGNAL clickhouse-sink rows-inserted ch 1 - 10",
                    "ODDSUPDATE_SIGNAL clickhouse-sink latency-ms ch 1 - 900"), s.report());
            rows.add(2);
            // a quiet interval: the counter reports its 0 (alarms on "nothing committed" need it), latency nothing
            assertEquals(List.of("ODDSUPDATE_SIGNAL clickhouse-sink rows-inserted ch 1 - 2"), s.report());
            assertEquals(List.of("ODDSUPDATE_SIGNAL clickhouse-sink rows-inserted ch 1 - 0"), s.report());
            assertEquals(12, rows.total());
        }
    }

    @Test
    void withoutLogLinesTheLatencyMaximumIsSinceTheStart() throws Exception {
        try (Signals s = new Signals("odds-source", "src", "0", 0, Time.SYSTEM)) {
            Signals.Latency l = s.latency(Signals.LATENCY_MS, "latency");
            assertEquals(-1.0, attribute("io.oddsupdate.connect:type=odds-source,connector=src,task=0", "latency-ms-max"));
            l.record(50);
            l.record(20);
            assertEquals(50.0, attribute("io.oddsupdate.connect:type=odds-source,connector=src,task=0", "latency-ms-max"));
            assertEquals(20.0, attribute("io.oddsupdate.connect:type=odds-source,connector=src,task=0", "latency-ms-last"));
        }
    }

    @Test
    void fieldsNeverSplitOrGroup() {
        // CloudWatch splits at spaces and reads "..." and [...] as one field: none may reach a line
        assertEquals("ODDSUPDATE_SIGNAL odds-sink dead-letters my_conn__x_ 0 bad__json_ 1",
                Signals.line("odds-sink", "dead-letters", "my conn [x]", "0", "bad \"json\"", 1));
        assertEquals("ODDSUPDATE_SIGNAL p s c 0 - 7", Signals.line("p", "s", "c", "0", "", 7));
    }

    @Test
    void forTaskReadsConnectorAndTaskFromConnectsLogContext() throws Exception {
        MDC.put("connector.context", "[bronze-s3-sink|task-2] ");
        try (Signals s = Signals.forTask("s3-sink", Map.of("name", "ignored"), 0)) {
            s.counter(Signals.OBJECTS_COMMITTED, "objects");
            assertTrue(JMX.isRegistered(new ObjectName("io.oddsupdate.connect:type=s3-sink,connector=bronze-s3-sink,task=2")));
        } finally {
            MDC.remove("connector.context");
        }
    }
}
