package io.oddsupdate.connect.testkit;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.management.AttributeNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Reads our plugins' signals from this JVM's platform MBean server, where a task in this JVM (a unit test's, or an
 * in-process worker's) registers them: {@code io.oddsupdate.connect:type=<plugin>,connector=<name>,task=<n>[,<tag>=<v>]}.
 */
public final class SignalMBeans {

    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    private SignalMBeans() {
    }

    /**
     * {@code attribute} summed over the connector's MBeans of {@code plugin} (its tasks), by the value of {@code tag};
     * with {@code tag} null, of the MBeans without a tag, under "-". MBeans without the attribute are skipped.
     */
    public static Map<String, Long> values(String plugin, String connector, String attribute, String tag) {
        Map<String, Long> values = new TreeMap<>();
        for (ObjectName n : names(plugin, connector)) {
            String key = tag == null ? (n.getKeyPropertyList().size() == 3 ? "-" : null) : n.getKeyProperty(tag);
            if (key == null) {
                continue;
            }
            try {
                values.merge(key, ((Number) JMX.getAttribute(n, attribute)).longValue(), Long::sum);
            } catch (AttributeNotFoundException e) {
                // another signal's MBean
            } catch (JMException e) {
                throw new IllegalStateException(e);
            }
        }
        return values;
    }

    /** The values of {@code key} (e.g. task) over the connector's MBeans of {@code plugin}; empty once they are unregistered. */
    public static Set<String> keys(String plugin, String connector, String key) {
        Set<String> values = new TreeSet<>();
        names(plugin, connector).forEach(n -> values.add(n.getKeyProperty(key)));
        return values;
    }

    private static Set<ObjectName> names(String plugin, String connector) {
        try {
            return JMX.queryNames(new ObjectName("io.oddsupdate.connect:type=" + plugin + ",connector=" + connector + ",*"), null);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }
}
