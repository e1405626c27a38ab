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
        private Node[] kids = new Node[0];
        private byte[] utf8;
        private FieldPath path;

        /** The node for a field name directly below this one, or null if no path goes there. */
        public Node child(String name) {
            return children.get(name);
        }

        /** As {@link #child(String)}, for a name given as UTF-8 bytes (an unescaped JSON member name). */
        public Node child(byte[] buf, int off, int len) {
            for (Node k : kids) {
                if (k.utf8.length == len && k.utf8[0] == buf[off] && java.util.Arrays.equals(k.utf8, 0, len, buf, off, off + len)) {
                    return k;
                }
            }
            return null;
        }

        private Node add(String name) {
            Node n = children.get(name);
            if (n == null) {
                n = new Node();
                n.utf8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                children.put(name, n);
                kids = java.util.Arrays.copyOf(kids, kids.length + 1);
                kids[kids.length - 1] = n;
            }
            return n;
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
    private final FieldPath[] list;
    private final Node root = new Node();

    public PathSet(Collection<FieldPath> paths) {
        this.paths = Set.copyOf(new LinkedHashSet<>(paths));
        this.list = this.paths.toArray(new FieldPath[0]);
        for (FieldPath p : this.paths) {
            Node node = root;
            for (int i = 0; i < p.depth(); i++) {
                node = node.add(p.name(i));
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

    /** The paths as an array (cheaper to iterate than the set). Do not modify. */
    FieldPath[] list() {
        return list;
    }

    public boolean isEmpty() {
        return paths.isEmpty();
    }
}
