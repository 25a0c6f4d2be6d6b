module realprog

go 1.19
