using UnionBlock.Abstractions;
using UnionBlock.Devices;

namespace UnionBlock.Tests.Contract;

public sealed class MemoryDeviceContract : BlockDeviceContract
{
    protected override IBlockDevice Device { get; } = new MemoryBlockDevice(1 << 20);
}

public sealed class FileDeviceContract : BlockDeviceContract
{
    private readonly TempDirectory _directory = new();
    private readonly FileBlockDevice _device;

    public FileDeviceContract() => _device = FileBlockDevice.Create(_directory.File("disk.raw"), 1 << 20);

    protected override IBlockDevice Device => _device;

    public override void Dispose()
    {
        _device.Dispose();
        _directory.Dispose();
        base.Dispose();
    }
}

/// <summary>The union device with a leaf over a chain of <c>depth</c> frozen layers.</summary>
public abstract class UnionDeviceContract(int depth) : BlockDeviceContract
{
    private readonly UnionFixture _fixture = new(depth);

    protected override IBlockDevice Device => _fixture.Open();

    public override void Dispose()
    {
        _fixture.Dispose();
        base.Dispose();
    }
}

public sealed class UnionDepth1Contract() : UnionDeviceContract(1);

public sealed class UnionDepth2Contract() : UnionDeviceContract(2);

public sealed class UnionDepth8Contract() : UnionDeviceContract(8);
