module callscope.test/chainsvc

go 1.19
