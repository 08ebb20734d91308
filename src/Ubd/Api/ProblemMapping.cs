using System.Text.Json;
using UnionBlock;
using UnionBlock.Store;

namespace Ubd.Api;

/// <summary>How refusals and failures become HTTP problems: the status a client can act on, a short
/// title, and the message that says what to do.</summary>
public static class ProblemMapping
{
    public static (int Status, string Title, string Detail) Describe(Exception exception) => exception switch
    {
        StoreException store => (store.Kind switch
        {
            StoreErrorKind.NotFound => StatusCodes.Status404NotFound,
            StoreErrorKind.InvalidArgument => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status409Conflict,
        }, Title(store.Kind), store.Message),
        DeployDirector.DirectorException director => (director.Kind switch
        {
            DeployDirector.DirectorError.NotFound => StatusCodes.Status404NotFound,
            DeployDirector.DirectorError.Invalid => StatusCodes.Status400BadRequest,
            DeployDirector.DirectorError.Unavailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status409Conflict,
        }, director.Kind switch
        {
            DeployDirector.DirectorError.NotFound => "not found",
            DeployDirector.DirectorError.Invalid => "invalid argument",
            DeployDirector.DirectorError.Unavailable => "unavailable",
            _ => "conflict",
        }, director.Message),
        ImageTree.Streams.DamagedStreamException damaged => (StatusCodes.Status422UnprocessableEntity, "stream damaged", damaged.Message),
        CorruptLayerException corrupt => (StatusCodes.Status500InternalServerError, "layer damaged", corrupt.Message),
        JsonException or BadHttpRequestException => (StatusCodes.Status400BadRequest, "bad request body", $"the request body is not valid: {exception.Message}"),
        InvalidDataException invalid => (StatusCodes.Status400BadRequest, "invalid input", invalid.Message),
        IOException io => (StatusCodes.Status500InternalServerError, "storage error", io.Message),
        _ => (StatusCodes.Status500InternalServerError, "internal error", exception.Message),
    };

    private static string Title(StoreErrorKind kind) => kind switch
    {
        StoreErrorKind.NotFound => "not found",
        StoreErrorKind.AlreadyExists => "already exists",
        StoreErrorKind.InvalidArgument => "invalid argument",
        StoreErrorKind.WrongKind => "wrong kind of layer",
        StoreErrorKind.InUse => "in use",
        StoreErrorKind.Protected => "protected",
        StoreErrorKind.OutOfLine => "out of line",
        StoreErrorKind.Empty => "nothing to publish",
        StoreErrorKind.OverQuota => "over quota",
        StoreErrorKind.Mismatch => "base differs",
        _ => "refused",
    };

    /// <summary>The problem type URI names the kind so scripts can branch on it.</summary>
    public static string Type(string title) => "https://unionblock.dev/problems/" + title.Replace(' ', '-');
}
