module callscope.test/callchain

go 1.19
