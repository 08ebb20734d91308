using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DeployDirector.Manifest;

/// <summary>
/// Turns YAML parser events into <see cref="ManifestNode"/>s with their marks. Not YamlDotNet's
/// representation model: that stops at the first duplicate key and resolves aliases into cycles,
/// while the loader reports every problem and needs an acyclic graph.
/// </summary>
internal static class ManifestTreeBuilder
{
    /// <summary>Deeper nesting than any manifest needs; keeps the recursive walks off the stack's edge.</summary>
    public const int MaxDepth = 128;

    private sealed class Open(ManifestNode node, string? anchor)
    {
        public ManifestNode Node { get; } = node;

        public string? Anchor { get; } = anchor;

        /// <summary>A mapping's key waiting for its value.</summary>
        public ManifestNode? PendingKey { get; set; }
    }

    /// <summary>The document's root, or null (empty document, or an error reported).</summary>
    public static ManifestNode? Build(string yaml, ManifestContext context)
    {
        Parser parser = new(new StringReader(yaml));
        Mark reached = Mark.Empty;
        try
        {
            return Walk(parser, context, ref reached);
        }
        catch (YamlException e)
        {
            context.Error(At(e.Start), $"YAML syntax: {e.Message.TrimEnd('.')}. Fix the YAML here (indentation, quotes, brackets).");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet's scanner fails this way on some malformed input (e.g. "{[a: 1"); the text
            // after the last event it produced is where the problem starts.
            context.Error(At(reached), "YAML syntax: the parser cannot read the YAML after this point. Fix the YAML here (indentation, quotes, brackets).");
            return null;
        }
    }

    private static ManifestNode? Walk(IParser parser, ManifestContext context, ref Mark reached)
    {
        Dictionary<string, ManifestNode> anchors = new(StringComparer.Ordinal);
        Stack<Open> open = new();
        ManifestNode? root = null;
        int documents = 0;
        while (parser.MoveNext())
        {
            ParsingEvent e = parser.Current!;
            reached = e.End;
            ManifestNode? complete = null;
            switch (e)
            {
                case DocumentStart:
                    if (++documents > 1)
                    {
                        context.Error(At(e.Start), "a manifest is one YAML document: remove this second document (and its '---')");
                        return null;
                    }
                    break;
                case Scalar s:
                    complete = new ManifestScalar(At(s.Start), TagOf(s), s.Value, s.Style);
                    Remember(anchors, s.Anchor, complete);
                    break;
                case AnchorAlias a:
                    if (!anchors.TryGetValue(a.Value.Value, out complete))
                    {
                        context.Error(At(a.Start), $"alias '*{a.Value.Value}' names no anchor defined before it: define '&{a.Value.Value}' on an earlier node");
                        complete = new ManifestScalar(At(a.Start), "", "", ScalarStyle.Plain);
                    }
                    break;
                case SequenceStart q:
                    if (!Push(open, new Open(new ManifestSequence(At(q.Start), TagOf(q)), Name(q.Anchor)), context, q.Start))
                    {
                        return null;
                    }
                    break;
                case MappingStart m:
                    if (!Push(open, new Open(new ManifestMapping(At(m.Start), TagOf(m)), Name(m.Anchor)), context, m.Start))
                    {
                        return null;
                    }
                    break;
                case SequenceEnd or MappingEnd:
                    Open done = open.Pop();
                    complete = done.Node;
                    Remember(anchors, done.Anchor, complete);
                    break;
            }
            if (complete is null)
            {
                continue;
            }
            if (open.Count == 0)
            {
                root = complete;
            }
            else
            {
                Attach(open.Peek(), complete);
            }
        }
        return root;
    }

    private static bool Push(Stack<Open> open, Open item, ManifestContext context, Mark start)
    {
        if (open.Count >= MaxDepth)
        {
            context.Error(At(start), $"nested deeper than {MaxDepth} levels: flatten this part of the manifest");
            return false;
        }
        open.Push(item);
        return true;
    }

    private static void Attach(Open parent, ManifestNode child)
    {
        switch (parent.Node)
        {
            case ManifestSequence sequence:
                sequence.Items.Add(child);
                break;
            case ManifestMapping mapping when parent.PendingKey is null:
                parent.PendingKey = child;
                break;
            case ManifestMapping mapping:
                mapping.Entries.Add(new(parent.PendingKey!, child));
                parent.PendingKey = null;
                break;
        }
    }

    // An anchor is known once its node is complete, so an alias can never point into its own ancestors.
    private static void Remember(Dictionary<string, ManifestNode> anchors, YamlDotNet.Core.AnchorName anchor, ManifestNode node)
    {
        if (Name(anchor) is { } name)
        {
            anchors[name] = node;
        }
    }

    private static string? Name(YamlDotNet.Core.AnchorName anchor) => anchor.IsEmpty ? null : anchor.Value;

    private static string TagOf(NodeEvent e) => e.Tag.IsEmpty ? "" : e.Tag.Value;

    private static SourcePosition At(Mark mark) => new((int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));
}
