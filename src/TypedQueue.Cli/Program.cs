using TypedQueue.Cli;

return await TypedQueueCli.RunAsync(args, Console.Out, Console.Error);
