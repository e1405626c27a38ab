package io.oddsupdate.connect.s3;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigException;

/**
 * What names an object: the {@code path.template} with its placeholders, e.g.
 * {@code {prefix}/league={league}/dt={YYYY-MM-DD}/hour={HH}/{topic}+{partition}+{startOffset}.parquet}.
 *
 * <p>The template must name {@code {topic}}, {@code {partition}} and {@code {startOffset}}: a file's name is then fixed by
 * its first record's offset, so a task that replays from the last committed offset rewrites the same objects.
 * Dates are UTC.
 */
final class PathTemplate {

    static final String DEFAULT = "{prefix}/league={league}/dt={YYYY-MM-DD}/hour={HH}/{topic}+{partition}+{startOffset}.parquet";
    static final Set<String> PLACEHOLDERS = Set.of("prefix", "league", "topic", "partition", "startOffset",
            "YYYY-MM-DD", "YYYY", "MM", "DD", "HH");
    private static final List<String> REQUIRED = List.of("topic", "partition", "startOffset");
    /** The finest time unit a template can name (the hour): records of the same league and hour share a file. */
    static final long FINEST_UNIT_MS = 3_600_000L;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
    /** Zero-padded like Confluent's sink, so objects of a partition list in offset order. */
    private static final int OFFSET_WIDTH = 10;

    private final String template;
    private final String prefix;
    private final List<Object> parts = new ArrayList<>();

    PathTemplate(String configKey, String template, String prefix) {
        this.template = template;
        this.prefix = trimSlashes(prefix == null ? "" : prefix);
        Matcher m = PLACEHOLDER.matcher(template);
        int last = 0;
        Set<String> seen = new java.util.HashSet<>();
        while (m.find()) {
            String name = m.group(1);
            if (!PLACEHOLDERS.contains(name)) {
                throw new ConfigException(configKey, template, "unknown placeholder {" + name + "}; known: " + PLACEHOLDERS);
            }
            parts.add(template.substring(last, m.start()));
            parts.add(Placeholder.of(name));
            seen.add(name);
            last = m.end();
        }
        parts.add(template.substring(last));
        for (String r : REQUIRED) {
            if (!seen.contains(r)) {
                throw new ConfigException(configKey, template, "must contain {" + r + "} so that object names are deterministic");
            }
        }
    }

    /** The object key of the file that starts at {@code startOffset}. */
    String render(String league, long timeMs, String topic, int partition, long startOffset) {
        ZonedDateTime t = Instant.ofEpochMilli(timeMs).atZone(ZoneOffset.UTC);
        StringBuilder out = new StringBuilder(96);
        for (Object part : parts) {
            if (part instanceof String s) {
                out.append(s);
                continue;
            }
            switch ((Placeholder) part) {
                case PREFIX -> out.append(prefix);
                case LEAGUE -> out.append(league);
                case TOPIC -> out.append(topic);
                case PARTITION -> out.append(partition);
                case START_OFFSET -> pad(out, Long.toString(startOffset), OFFSET_WIDTH);
                case DATE -> {
                    pad(out, Integer.toString(t.getYear()), 4);
                    out.append('-');
                    pad(out, Integer.toString(t.getMonthValue()), 2);
                    out.append('-');
                    pad(out, Integer.toString(t.getDayOfMonth()), 2);
                }
                case YEAR -> pad(out, Integer.toString(t.getYear()), 4);
                case MONTH -> pad(out, Integer.toString(t.getMonthValue()), 2);
                case DAY -> pad(out, Integer.toString(t.getDayOfMonth()), 2);
                case HOUR -> pad(out, Integer.toString(t.getHour()), 2);
                default -> throw new IllegalStateException();
            }
        }
        // An empty prefix must not leave a leading or doubled slash.
        for (int i = out.indexOf("//"); i >= 0; i = out.indexOf("//", i)) {
            out.deleteCharAt(i);
        }
        return out.length() > 0 && out.charAt(0) == '/' ? out.substring(1) : out.toString();
    }

    /** The file a record belongs to: its rendered key with the start offset left out. */
    String fileOf(String league, long timeMs, String topic, int partition) {
        return render(league, timeMs, topic, partition, -1);
    }

    @Override
    public String toString() {
        return template;
    }

    private static void pad(StringBuilder out, String digits, int width) {
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        out.append(digits);
    }

    private static String trimSlashes(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && s.charAt(b) == '/') {
            b++;
        }
        while (e > b && s.charAt(e - 1) == '/') {
            e--;
        }
        return s.substring(b, e);
    }

    private enum Placeholder {
        PREFIX, LEAGUE, TOPIC, PARTITION, START_OFFSET, DATE, YEAR, MONTH, DAY, HOUR;

        static Placeholder of(String name) {
            return switch (name) {
                case "prefix" -> PREFIX;
                case "league" -> LEAGUE;
                case "topic" -> TOPIC;
                case "partition" -> PARTITION;
                case "startOffset" -> START_OFFSET;
                case "YYYY-MM-DD" -> DATE;
                case "YYYY" -> YEAR;
                case "MM" -> MONTH;
                case "DD" -> DAY;
                case "HH" -> HOUR;
                default -> throw new IllegalArgumentException(name);
            };
        }
    }
}
