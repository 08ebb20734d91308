namespace NodeAgent.Supervision;

/// <summary>
/// Bounds a job's log: past <see cref="MaxBytes"/> it is copied to <c>JOB.log.1</c> and truncated in
/// place. Jobs write with O_APPEND (the shell's <c>&gt;&gt;</c>), so their next write lands at the new end,
/// and a job adopted after an agent restart keeps its log.
/// </summary>
internal static class LogRotation
{
    public const long MaxBytes = 4L << 20;

    public static bool RotateIfLarge(string log, long maxBytes = MaxBytes)
    {
        var info = new FileInfo(log);
        if (!info.Exists || info.Length <= maxBytes)
        {
            return false;
        }

        File.Copy(log, log + ".1", overwrite: true);
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.SetLength(0);
        return true;
    }

    /// <summary>The last <paramref name="maxBytes"/> bytes of a log (empty when there is none).</summary>
    public static byte[] Tail(string log, int maxBytes)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var length = (int)Math.Min(stream.Length, maxBytes);
            stream.Seek(-length, SeekOrigin.End);
            var tail = new byte[length];
            stream.ReadExactly(tail);
            return tail;
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}
