package io.oddsupdate.connect.common;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A set of {@link FieldPath}s compiled into a tree of field names, so a streaming reader finds all of them in one
 * pass over the bytes and skips every subtree no path enters.
 */
public final class PathSet {

    /** One field name along some path: the path ending here (if any) and the names below it. */
    public static final class Node {
        private final Map<String, Node> children = new HashMap<>();
        private FieldPath path;

        /** The node for a field name directly below this one, or null if no path goes there. */
        public Node child(String name) {
            return children.get(name);
        }

        /** The path that ends at this node, or null. */
        public FieldPath path() {
            return path;
        }

        public boolean hasChildren() {
            return !children.isEmpty();
        }
    }

    private final Set<FieldPath> paths;
    private final Node root = new Node();

    public PathSet(Collection<FieldPath> paths) {
        this.paths = Set.copyOf(new LinkedHashSet<>(paths));
        for (FieldPath p : this.paths) {
            Node node = root;
            for (int i = 0; i < p.depth(); i++) {
                node = node.children.computeIfAbsent(p.name(i), n -> new Node());
            }
            node.path = p;
        }
    }

    public Node root() {
        return root;
    }

    public Set<FieldPath> paths() {
        return paths;
    }

    public boolean isEmpty() {
        return paths.isEmpty();
    }
}
