package io.oddsupdate.connect.tests;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The run summary's dead letters, grouped by the stage that wrote them and the kind of reason, with a count and one
 * example each: a reason's kind is its message with what varies from record to record (offsets, byte positions, ids
 * such as {@code 'nba-g-unknown-17'} or {@code "seq-148"}) replaced, so 2,000 events/s of malformed input stay a handful
 * of lines.
 */
final class DeadLetterSummary {

    /**
     * One dead letter: the stage (connector) that wrote it, the transform or connector named at the start of its reason
     * ({@code enforce: …}), the reason, what the record was ({@code label}: e.g. the simulator's kind of malformed
     * event) and an example's description ({@code example}: where it came from).
     */
    record Letter(String stage, String reason, String label, String example) {
    }

    /** A group: stage (with the transform's alias when the reason names one), reason kind, count, labels, first example. */
    record Group(String stage, String kind, long count, TreeSet<String> labels, Letter first) {
    }

    private static final Pattern WHO = Pattern.compile("^([A-Za-z][\\w.-]*): (.*)$", Pattern.DOTALL);
    /** {@code at raw.events.mlb/0@12}: where the record was; a stage names it in its message. */
    private static final Pattern COORDINATES = Pattern.compile("\\s*\\bat [\\w.-]+/\\d+@\\d+");
    /** Quoted values with a digit: ids, sequence numbers (field names stay). */
    private static final Pattern QUOTED_WITH_DIGIT = Pattern.compile("'[^'\\s]*\\d[^'\\s]*'|\"[^\"\\s]*\\d[^\"\\s]*\"");
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.])\\d+(?:\\.\\d+)?(?![\\w.])");
    static final int KIND_CHARS = 110;
    static final int EXAMPLE_CHARS = 160;

    private DeadLetterSummary() {
    }

    /** The kind of a reason: without the stage's name, coordinates and varying values, cut to {@link #KIND_CHARS}. */
    static String kind(String reason) {
        String r = reason == null ? "(no reason header)" : reason.replaceAll("\\s+", " ").strip();
        Matcher who = WHO.matcher(r);
        if (who.matches()) {
            r = who.group(2);
        }
        r = COORDINATES.matcher(r).replaceAll("");
        r = QUOTED_WITH_DIGIT.matcher(r).replaceAll(m -> m.group().charAt(0) + "…" + m.group().charAt(0));
        r = NUMBER.matcher(r).replaceAll("N");
        return cut(r, KIND_CHARS);
    }

    /**
     * The stage as printed: the connector, and the transform (or other component) a reason starts with unless that is
     * the connector's class ({@code OddsSinkConnector: …}).
     */
    static String stage(String connector, String reason) {
        Matcher who = WHO.matcher(reason == null ? "" : reason.strip());
        if (who.matches() && !who.group(1).endsWith("Connector")) {
            return connector + " / " + who.group(1);
        }
        return connector;
    }

    /** Groups in data order of {@code stageOrder} (the stages' connectors), then by count, largest first. */
    static List<Group> group(List<Letter> letters, List<String> stageOrder) {
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Letter l : letters) {
            String stage = stage(l.stage(), l.reason());
            String kind = kind(l.reason());
            groups.compute(stage + "\u0000" + kind, (k, g) -> {
                TreeSet<String> labels = g == null ? new TreeSet<>() : g.labels();
                if (l.label() != null) {
                    labels.add(l.label());
                }
                return g == null ? new Group(stage, kind, 1, labels, l) : new Group(stage, kind, g.count() + 1, labels, g.first());
            });
        }
        List<Group> out = new ArrayList<>(groups.values());
        out.sort(Comparator.<Group>comparingInt(g -> order(stageOrder, g.first().stage())).thenComparing(Comparator.comparingLong(Group::count).reversed())
                .thenComparing(Group::stage).thenComparing(Group::kind));
        return out;
    }

    private static int order(List<String> stageOrder, String connector) {
        int i = stageOrder.indexOf(connector);
        return i < 0 ? stageOrder.size() : i;
    }

    /**
     * The summary's lines: per group, {@code count × stage: kind [labels]}, then an example when the kind had to replace
     * something (the reason as it was, and where it came from).
     */
    static List<String> lines(List<Letter> letters, List<String> stageOrder) {
        List<Group> groups = group(letters, stageOrder);
        int stageWidth = groups.stream().mapToInt(g -> g.stage().length()).max().orElse(0);
        List<String> out = new ArrayList<>();
        for (Group g : groups) {
            out.add(String.format(Locale.ROOT, "%6d × %-" + stageWidth + "s  %s%s", g.count(), g.stage(), g.kind(),
                    g.labels().isEmpty() ? "" : "  [" + String.join(", ", g.labels()) + "]"));
            String reason = g.first().reason() == null ? "" : g.first().reason().replaceAll("\\s+", " ").strip();
            Matcher who = WHO.matcher(reason);
            String plain = who.matches() ? who.group(2) : reason;
            if (!plain.equals(g.kind()) || g.first().example() != null && !g.first().example().isEmpty()) {
                out.add(String.format(Locale.ROOT, "%6s   %-" + stageWidth + "s  e.g. %s%s", "", "", cut(plain, EXAMPLE_CHARS),
                        g.first().example() == null || g.first().example().isEmpty() ? "" : " (" + g.first().example() + ")"));
            }
        }
        return out;
    }

    private static String cut(String s, int chars) {
        return s.length() <= chars ? s : s.substring(0, chars - 1) + "…";
    }
}
