package io.oddsupdate.connect.mirror;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One {@code source-regex => target-template} rule of {@link TopicMappingReplicationPolicy}.
 *
 * <p>The rule must be invertible, so that a target topic name gives back exactly one source topic name: the regex is
 * literal topic-name text and capturing groups (e.g. {@code vendor\.raw\.events\.(.+)}), and the template is literal
 * text and references {@code $n} that use every group. Both sides are therefore a sequence of literal parts and group
 * patterns ({@link Shape}), which also lets the policy check rules against each other for collisions and loops.
 */
final class TopicMapping {

    static final String ARROW = "=>";
    private static final String TOPIC_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

    final int number;
    final String rule;
    final Pattern source;
    final Shape sourceShape;
    final Shape targetShape;
    private final List<Object> sourceParts;   // String literal or Integer group number
    private final List<Object> targetParts;   // String literal or Integer group number
    private final Pattern target;             // matches a target name; one capture per group reference

    private TopicMapping(int number, String rule, Pattern source, List<Object> sourceParts, List<String> groupPatterns,
                         List<Object> targetParts) {
        this.number = number;
        this.rule = rule;
        this.source = source;
        this.sourceParts = sourceParts;
        this.targetParts = targetParts;
        this.sourceShape = Shape.of(sourceParts, groupPatterns);
        this.targetShape = Shape.of(targetParts, groupPatterns);
        this.target = Pattern.compile(targetShape.regex);
    }

    /** Parses rule {@code number} (1-based); throws {@link IllegalArgumentException} saying what is wrong with it. */
    static TopicMapping parse(int number, String rule) {
        int arrow = rule.indexOf(ARROW);
        if (arrow < 0 || rule.indexOf(ARROW, arrow + ARROW.length()) >= 0) {
            throw new IllegalArgumentException("expected 'source-regex " + ARROW + " target-template'"
                    + " (rules are separated by commas, so a rule cannot contain one)");
        }
        String regex = rule.substring(0, arrow).strip();
        String template = rule.substring(arrow + ARROW.length()).strip();
        if (regex.isEmpty() || template.isEmpty()) {
            throw new IllegalArgumentException("the source regex and the target template must both be non-empty");
        }
        Pattern source;
        try {
            source = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regex: " + e.getDescription() + " near index " + e.getIndex());
        }
        List<String> groupPatterns = new ArrayList<>();
        List<Object> sourceParts = parseRegex(regex, groupPatterns);
        List<Object> targetParts = parseTemplate(template, groupPatterns.size());
        for (int g = 1; g <= groupPatterns.size(); g++) {
            if (!targetParts.contains(g)) {
                throw new IllegalArgumentException("the template does not use group $" + g
                        + ", so the source topic could not be recovered from the target name");
            }
        }
        return new TopicMapping(number, rule.strip(), source, sourceParts, groupPatterns, targetParts);
    }

    /** The target name of {@code topic}, or null when this rule does not match it. */
    String apply(String topic) {
        Matcher m = source.matcher(topic);
        if (!m.matches()) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (Object part : targetParts) {
            out.append(part instanceof Integer ? m.group((Integer) part) : (String) part);
        }
        return out.toString();
    }

    /** The source name this rule maps to {@code remote}, or null when {@code remote} is not an output of this rule. */
    String invert(String remote) {
        Matcher m = target.matcher(remote);
        if (!m.matches()) {
            return null;
        }
        String[] values = new String[sourceShape.groups() + 1];
        int capture = 0;
        for (Object part : targetParts) {
            if (part instanceof Integer) {
                String value = m.group(++capture);
                int g = (Integer) part;
                if (values[g] != null && !values[g].equals(value)) {
                    return null; // a group used twice must have one value
                }
                values[g] = value;
            }
        }
        StringBuilder src = new StringBuilder();
        for (Object part : sourceParts) {
            src.append(part instanceof Integer ? values[(Integer) part] : (String) part);
        }
        String candidate = src.toString();
        // The target pattern is only an approximation of the rule's outputs (greedy splits, group patterns with
        // look-arounds): accept the candidate only if the rule really maps it to this name.
        return remote.equals(apply(candidate)) ? candidate : null;
    }

    @Override
    public String toString() {
        return "rule " + number + " '" + rule + "'";
    }

    /** Literal topic-name text and capturing groups; anything else would make the rule impossible to invert. */
    private static List<Object> parseRegex(String regex, List<String> groupPatterns) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                char next = i + 1 < regex.length() ? regex.charAt(i + 1) : 0;
                if (next == '.' || next == '-') {
                    literal.append(next);
                    i++;
                    continue;
                }
                throw new IllegalArgumentException("'\\" + next + "' outside a group: outside groups the regex may only hold"
                        + " literal topic-name text (escape '.' as '\\.')");
            } else if (c == '(') {
                if (i + 1 < regex.length() && regex.charAt(i + 1) == '?') {
                    throw new IllegalArgumentException("'(?' outside a group: use plain capturing groups '( )' at the top level");
                }
                int end = closingParen(regex, i);
                String inner = regex.substring(i + 1, end);
                if (hasCapturingGroup(inner)) {
                    throw new IllegalArgumentException("nested capturing group in '(" + inner + ")': use '(?:...)' inside a group");
                }
                flush(literal, parts);
                groupPatterns.add(inner);
                parts.add(groupPatterns.size());
                i = end;
            } else if (TOPIC_CHARS.indexOf(c) >= 0 && c != '.') {
                literal.append(c);
            } else {
                throw new IllegalArgumentException("'" + c + "' outside a group: outside groups the regex may only hold"
                        + " literal topic-name text (escape '.' as '\\.'), so that a target name maps back to one source name");
            }
        }
        flush(literal, parts);
        return parts;
    }

    private static List<Object> parseTemplate(String template, int groups) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '$') {
                int j = i + 1;
                if (j >= template.length() || !Character.isDigit(template.charAt(j))) {
                    throw new IllegalArgumentException("'$' must be followed by a group number, e.g. $1");
                }
                int g = template.charAt(j) - '0';
                // like java.util.regex: take more digits while they still name an existing group
                while (j + 1 < template.length() && Character.isDigit(template.charAt(j + 1))
                        && g * 10 + (template.charAt(j + 1) - '0') <= groups) {
                    g = g * 10 + (template.charAt(++j) - '0');
                }
                if (g < 1 || g > groups) {
                    throw new IllegalArgumentException("the template references group $" + g + " but the regex has "
                            + (groups == 0 ? "no groups" : "only " + groups + (groups == 1 ? " group" : " groups")));
                }
                flush(literal, parts);
                parts.add(g);
                i = j;
            } else if (TOPIC_CHARS.indexOf(c) >= 0) {
                literal.append(c);
            } else {
                throw new IllegalArgumentException("'" + c + "' in the template is not a legal topic-name character"
                        + " (letters, digits, '.', '_', '-')");
            }
        }
        flush(literal, parts);
        return parts;
    }

    private static void flush(StringBuilder literal, List<Object> parts) {
        if (literal.length() > 0) {
            parts.add(literal.toString());
            literal.setLength(0);
        }
    }

    private static int closingParen(String regex, int open) {
        int depth = 0;
        boolean inClass = false;
        for (int i = open; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unbalanced '('"); // unreachable: Pattern.compile accepted the regex
    }

    private static boolean hasCapturingGroup(String inner) {
        return Pattern.compile(inner).matcher("").groupCount() > 0;
    }

    /**
     * The names one side of a rule can take: literal parts and group patterns. {@link #mayOverlap} over-approximates,
     * so the policy rejects a pair of rules unless their names certainly differ.
     */
    static final class Shape {
        final String regex;
        final String prefix;   // literal text before the first group, or the whole name when there is no group
        final String suffix;   // literal text after the last group
        private final int groupRefs;
        private final int groups;

        private Shape(String regex, String prefix, String suffix, int groupRefs, int groups) {
            this.regex = regex;
            this.prefix = prefix;
            this.suffix = suffix;
            this.groupRefs = groupRefs;
            this.groups = groups;
        }

        static Shape of(List<Object> parts, List<String> groupPatterns) {
            StringBuilder regex = new StringBuilder();
            int refs = 0;
            for (Object part : parts) {
                if (part instanceof Integer) {
                    regex.append('(').append(groupPatterns.get((Integer) part - 1)).append(')');
                    refs++;
                } else {
                    regex.append(Pattern.quote((String) part));
                }
            }
            String prefix = parts.isEmpty() || parts.get(0) instanceof Integer ? "" : (String) parts.get(0);
            Object last = parts.isEmpty() ? null : parts.get(parts.size() - 1);
            String suffix = refs == 0 || last instanceof Integer ? "" : (String) last;
            return new Shape(regex.toString(), prefix, suffix, refs, groupPatterns.size());
        }

        int groups() {
            return groups;
        }

        boolean isLiteral() {
            return groupRefs == 0;
        }

        /** False only when no name can have both shapes. */
        boolean mayOverlap(Shape other) {
            if (isLiteral()) {
                return Pattern.matches(other.regex, prefix);
            }
            if (other.isLiteral()) {
                return Pattern.matches(regex, other.prefix);
            }
            boolean prefixes = prefix.startsWith(other.prefix) || other.prefix.startsWith(prefix);
            boolean suffixes = suffix.endsWith(other.suffix) || other.suffix.endsWith(suffix);
            return prefixes && suffixes;
        }
    }
}
